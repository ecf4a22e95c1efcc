import { describe, expect, it } from 'vitest';
import { renameRiskKeys, riskWords } from '../../src/io/risk-name.ts';

describe('riskName: the model\'s word for R in outputs', () => {
  it('renames risk/Risk in every nested key, keeps values, arrays and typed arrays', () => {
    const density = new Float64Array([1, 2]);
    const input = { times: [0, 1], pde: { risk: [3, 2], check: { maxRiskDiff: 1e-3 } }, particles: { risk: [4], riskStd: [0.1], riskPerSeed: [[1, 2]] }, curve: { pdeRisk: [1] }, fv: { density: [density] }, label: 'risk stays in values' };
    const out = renameRiskKeys(input, 'loss') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(out).toEqual({ times: [0, 1], pde: { loss: [3, 2], check: { maxLossDiff: 1e-3 } }, particles: { loss: [4], lossStd: [0.1], lossPerSeed: [[1, 2]] }, curve: { pdeLoss: [1] }, fv: { density: [density] }, label: 'risk stays in values' });
    expect(out.fv.density[0]).toBe(density);
  });
  it('is the identity for the default word', () => {
    const input = { risk: [1] };
    expect(renameRiskKeys(input, 'risk')).toBe(input);
    expect(riskWords()).toEqual({ name: 'risk', title: 'Risk', symbol: 'R', finite: 'R_N', axis: 'population risk R' });
    expect(riskWords('loss')).toEqual({ name: 'loss', title: 'Loss', symbol: 'L', finite: 'L_N', axis: 'loss L' });
  });
});
