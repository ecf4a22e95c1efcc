import { describe, expect, it } from 'vitest';
import { Grid } from '../../src/grid.ts';
import { initialMass } from '../../src/initial.ts';
import { gaussLegendre } from '../../src/numerics/quadrature.ts';
import { incompleteGammaUpperRegularized, logGamma, normalSf } from '../../src/numerics/special.ts';

/** ∫_a^b of the law of |w|, w ~ N(0, s²/d I_d), by 30-point Gauss–Legendre (independent of the gamma function code). */
function chiMassByQuadrature(a: number, b: number, s: number, d: number): number {
  const c = d / (2 * s * s);
  // density of r: 2 c^{d/2} r^{d−1} e^{−c r²} / Γ(d/2)
  const logNorm = Math.log(2) + (d / 2) * Math.log(c) - logGamma(d / 2);
  const rule = gaussLegendre(30);
  let m = 0;
  for (let i = 0; i < rule.nodes.length; i++) {
    const r = 0.5 * (a + b) + 0.5 * (b - a) * rule.nodes[i];
    m += 0.5 * (b - a) * rule.weights[i] * Math.exp(logNorm + (d - 1) * Math.log(r) - c * r * r);
  }
  return m;
}

describe('initial laws as cell masses', () => {
  it('gaussian: exact χ_d cell masses (vs quadrature of the χ density), Σ = 1, truncation reported', () => {
    const grid = Grid.uniform1d('r', 0, 3, 60);
    const { mass, truncatedMass } = initialMass(grid, { kind: 'gaussian', scale: 0.8, d: 40 });
    const f = grid.faces[0];
    let total = 0;
    for (let j = 0; j < 60; j++) {
      total += mass[j];
      const q = chiMassByQuadrature(f[j], f[j + 1], 0.8, 40);
      // relative agreement wherever the mass is not underflowing quadrature noise
      if (q > 1e-250) expect(Math.abs(mass[j] / q - 1), `cell ${j}`).toBeLessThan(1e-13);
    }
    expect(Math.abs(total - 1)).toBeLessThan(1e-15);
    expect(truncatedMass).toBeGreaterThan(0);
    expect(truncatedMass).toBeLessThan(1e-40);
  });

  it('gaussian with d = 1 is the half-normal: 2(Φ̄(a/s) − Φ̄(b/s)), relative 1e-14 into the far tail', () => {
    const grid = Grid.uniform1d('r', 0, 6, 24);
    const { mass } = initialMass(grid, { kind: 'gaussian', scale: 0.7, d: 1 });
    const f = grid.faces[0];
    for (let j = 0; j < 24; j++) {
      // upper-tail differences: no cancellation in the right tail
      const exact = 2 * (normalSf(f[j] / 0.7) - normalSf(f[j + 1] / 0.7));
      expect(Math.abs(mass[j] / exact - 1), `cell ${j}`).toBeLessThan(1e-14);
    }
  });

  it('gaussian truncation: an error naming the field unless allowed, then renormalised', () => {
    const grid = Grid.uniform1d('r', 0, 1, 20);
    const spec = { kind: 'gaussian', scale: 0.8, d: 40 } as const;
    expect(() => initialMass(grid, spec)).toThrow(expect.objectContaining({ name: 'ConfigError', field: 'init.scale', message: expect.stringMatching(/make grid.rMax at least 1.49 or the scale smaller/) }));
    const { mass, truncatedMass } = initialMass(grid, { ...spec, allowTruncation: true });
    expect(Math.abs(truncatedMass / incompleteGammaUpperRegularized(20, 40 / (2 * 0.64)) - 1)).toBeLessThan(1e-14);
    expect(Math.abs(mass.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-15);
    // a grid starting above 0 loses the mass below its first face too
    const shifted = initialMass(Grid.uniform1d('r', 0.5, 3, 20), { ...spec, allowTruncation: true });
    expect(shifted.truncatedMass).toBeGreaterThan(1e-8);
  });

  it('uniform in the radius: exact overlap fractions', () => {
    const grid = Grid.uniform1d('r', 0, 2, 8); // h = 0.25
    expect(Array.from(initialMass(grid, { kind: 'uniform', lo: 0.5, hi: 1.25 }).mass)).toEqual([0, 0, 1 / 3, 1 / 3, 1 / 3, 0, 0, 0]);
    const { mass } = initialMass(grid, { kind: 'uniform', lo: 0.6, hi: 0.9 });
    expect(mass[2]).toBeCloseTo(0.5, 15);
    expect(mass[3]).toBeCloseTo(0.5, 15);
  });

  it('shell: all the mass in the cell [r_j, r_{j+1}) that contains the radius', () => {
    const grid = Grid.uniform1d('r', 0, 2, 8);
    const cell = (radius: number) => initialMass(grid, { kind: 'shell', radius }).mass.indexOf(1);
    expect(cell(0)).toBe(0);
    expect(cell(0.1)).toBe(0);
    expect(cell(0.75)).toBe(3);
    expect(cell(0.7499999999)).toBe(2);
    expect(cell(2)).toBe(7);
    const tenth = Grid.uniform1d('r', 0, 1, 10); // faces 0.1·j are not exact binary fractions
    for (let j = 0; j < 10; j++) expect(initialMass(tenth, { kind: 'shell', radius: tenth.faces[0][j] }).mass[j]).toBe(1);
  });

  it('density: normalised centre values, on any grid shape', () => {
    const grid = new Grid([{ name: 'a', lo: -1, hi: 1, cells: 2 }, { name: 'b', lo: 0, hi: 1, cells: 2 }]);
    expect(Array.from(initialMass(grid, { kind: 'density', values: [1, 2, 3, 4] }).mass)).toEqual([0.1, 0.2, 0.3, 0.4]);
  });

  it('bad specs throw ConfigError naming the field and the allowed range', () => {
    const grid = Grid.uniform1d('r', 0, 2, 8);
    const cases: [object, string, RegExp][] = [
      [{ kind: 'gaussian', scale: 0, d: 40 }, 'init.scale', /> 0/],
      [{ kind: 'gaussian', scale: 1, d: 2.5 }, 'init.d', /integer >= 1/],
      [{ kind: 'uniform', lo: 1, hi: 0.5 }, 'init.hi', /\(1, 2\]/],
      [{ kind: 'uniform', lo: -1, hi: 0.5 }, 'init.lo', /\[0, 2\)/],
      [{ kind: 'shell', radius: 3 }, 'init.radius', /\[0, 2\]/],
      [{ kind: 'density', values: [1, 2] }, 'init.values', /one value per cell/],
      [{ kind: 'density', values: [1, 1, -1, 1, 1, 1, 1, 1] }, 'init.values[2]', />= 0/],
      [{ kind: 'density', values: new Array(8).fill(0) }, 'init.values', /positive entry/],
      [{ kind: 'delta' }, 'init.kind', /gaussian/],
    ];
    for (const [spec, field, message] of cases) {
      expect(() => initialMass(grid, spec as never), field).toThrow(expect.objectContaining({ name: 'ConfigError', field, message: expect.stringMatching(message) }));
    }
    const twoD = new Grid([{ name: 'r1', lo: 0, hi: 1, cells: 2 }, { name: 'r2', lo: 0, hi: 1, cells: 2 }]);
    expect(() => initialMass(twoD, { kind: 'shell', radius: 0.5 })).toThrow(expect.objectContaining({ field: 'grid' }));
    expect(() => initialMass(Grid.uniform1d('x', -1, 1, 4), { kind: 'shell', radius: 0.5 })).toThrow(expect.objectContaining({ field: 'grid.lo' }));
  });
});
