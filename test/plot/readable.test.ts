/**
 * Readable plots (issue: paper-ready figures, part 2): mass per histogram bin, number formatting,
 * layout rules (axis titles everywhere, legend clear of the plot), log axes without round-off, the
 * time slider, and the report figures of solve, compare, sweep and fluctuations built from small
 * hand-made results. test/plot/browser.test.ts measures the drawn boxes in Chromium.
 */
import { describe, expect, it } from 'vitest';
import { densityPanelsFigure, densitySliderFigure, lawBins, lawOnBins, lineFigure, LOG_ROUND_OFF, logMeaningful } from '../../src/plot/figures.ts';
import { formatInterval, formatNumber, formatToTolerance, textTable } from '../../src/plot/format.ts';
import { gridAlignedBins, gridMassPerBin, sampleMassPerBin } from '../../src/plot/histogram.ts';
import { readReportFigures, renderReport } from '../../src/plot/html-report.ts';
import { figureLayoutProblems, LEGEND_LAYOUT } from '../../src/plot/layout.ts';
import { fig2Figure, type SweepResult } from '../../src/pipeline/landscape.ts';
import { Rng } from '../../src/rng.ts';

/** A radial law on 400 cells of [0, 8]: a collapsed layer (0.3 of the mass in one cell at r ≈ 0.07) and a Gaussian bulk at r ≈ 3. */
function collapsedLaw(): { centres: number[]; h: number; P: Float64Array } {
  const cells = 400;
  const h = 8 / cells;
  const centres = Array.from({ length: cells }, (_, j) => (j + 0.5) * h);
  const P = new Float64Array(centres.map((r) => Math.exp(-(((r - 3) / 0.5) ** 2) / 2)));
  const bulk = P.reduce((a, b) => a + b, 0);
  for (let j = 0; j < cells; j++) P[j] *= 0.7 / bulk;
  P[3] += 0.3;
  return { centres, h, P };
}

describe('mass per histogram bin', () => {
  const { centres, h, P } = collapsedLaw();

  it('bins are whole grid cells on the grid edges, and the binned PDE mass sums to the grid mass in the window', () => {
    const bins = gridAlignedBins(0, h, P);
    expect(bins.cellsPerBin).toBeGreaterThan(1);
    bins.edges.forEach((e) => expect(Math.abs(e / h - Math.round(e / h))).toBeLessThan(1e-9));
    const binned = gridMassPerBin(bins, P);
    let inWindow = 0;
    for (let j = Math.max(0, bins.firstCell); j < Math.min(P.length, bins.firstCell + bins.cellsPerBin * binned.length); j++) inWindow += P[j];
    expect(binned.reduce((a, b) => a + b, 0)).toBeCloseTo(inWindow, 14);
    expect(1 - inWindow).toBeLessThanOrEqual(P.length * 1e-7); // only cells below the 1e-7 floor are left out
  });

  it('a collapsed layer reads as one bar holding its mass, next to a visible bulk', () => {
    const law = lawOnBins(lawBins(centres, h, P), P);
    const top = Math.max(...law.pde);
    expect(top).toBeGreaterThan(0.3 - 1e-12); // the layer's 0.3 is one bin's mass, not a 1/h-tall spike
    const bulkBins = law.pde.filter((_, b) => Math.abs(law.centres[b] - 3) < 0.5);
    // the bulk's tallest bar is a sizeable share of the layer's (a density would put it at h/width of that)
    expect(Math.max(...bulkBins) / top).toBeGreaterThan(0.1);
  });

  it('particles on the same bins: shares of the sample; sampling the grid law gives the PDE bars within 4 standard errors', () => {
    const rng = new Rng(7);
    const cdf = Array.from(P).reduce<number[]>((acc, p) => [...acc, (acc[acc.length - 1] ?? 0) + p], []);
    const n = 4000;
    const sample = Array.from({ length: n }, () => {
      const u = rng.uniform() * cdf[cdf.length - 1];
      const j = cdf.findIndex((c) => c >= u);
      return (j + rng.uniform()) * h; // uniform inside the cell, as the finite-volume law is
    });
    const law = lawOnBins(lawBins(centres, h, P, sample), P, sample);
    expect(law.sample!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // binomial shares: 4 standard errors per bin expecting ≥ 5 particles, and the same for the sparse bins pooled
    const se = (m: number) => Math.sqrt((m * (1 - m)) / n);
    let sparsePde = 0;
    let sparseSample = 0;
    law.pde.forEach((m, b) => {
      if (m * n >= 5) expect(Math.abs(law.sample![b] - m)).toBeLessThanOrEqual(4 * se(m));
      else {
        sparsePde += m;
        sparseSample += law.sample![b];
      }
    });
    expect(Math.abs(sparseSample - sparsePde)).toBeLessThanOrEqual(4 * se(sparsePde) + 1e-12);
  });

  it('samples outside the grid widen the bins past it (with no PDE mass there); a sample on an edge opens its bin', () => {
    const masses = [0, 0.5, 0.5, 0];
    const bins = gridAlignedBins(0, 1, masses, [-1.5, 1, 5.2], { targetBins: 100 });
    expect(bins.edges[0]).toBe(-2);
    expect(bins.edges[bins.edges.length - 1]).toBeGreaterThanOrEqual(6);
    const sample = sampleMassPerBin(bins, [-1.5, 1, 5.2]);
    expect(sample[bins.edges.indexOf(1)]).toBeCloseTo(1 / 3, 15);
    expect(gridMassPerBin(bins, masses).reduce((a, b) => a + b, 0)).toBe(1);
  });
});

describe('number formatting', () => {
  it('formatNumber: significant digits, exponent form for tiny and huge values, integers as they are', () => {
    expect(formatNumber(0.02981852213541667)).toBe('0.02982');
    expect(formatNumber(1.23456e-7, 3)).toBe('1.23e-7');
    expect(formatNumber(-4.5e-21, 8)).toBe('-4.5e-21');
    expect(formatNumber(2.5e9)).toBe('2.5e9');
    expect(formatNumber(1600)).toBe('1600');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(Infinity)).toBe('∞');
  });

  it('formatToTolerance: as many decimals as the tolerance resolves', () => {
    expect(formatInterval(0.02981852213541667, 0.4309741210937501, 1e-4)).toBe('[0.0298, 0.4310]');
    expect(formatToTolerance(0.123456, 2.5e-3)).toBe('0.123');
    expect(formatToTolerance(12.5, 1)).toBe('13');
  });

  it('textTable: columns never run together, whatever the lengths and signs', () => {
    const lines = textTable([['r', 'v'], ['-1.2194804e-15', '-9.5578598e-13'], ['3', '4']]);
    for (const line of lines) expect(line).not.toMatch(/\d-\d/); // no "…e-15-9.55…"
    const cells = lines.map((l) => l.trim().split(/\s{2,}/));
    expect(cells).toEqual([['r', 'v'], ['-1.2194804e-15', '-9.5578598e-13'], ['3', '4']]);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });
});

describe('layout rules', () => {
  const line = lineFigure('Risk', 'time t', 'risk R', [{ name: 'PDE (finite volumes)', x: [0, 1], y: [1, 0.5] }, { name: 'SGD, N = 800, 4 seeds', x: [0, 1], y: [1.1, 0.6] }]);
  const { centres, h, P } = collapsedLaw();
  const panels = densityPanelsFigure('r', centres, h, [0, 1, 5, 10], [P, P, P, P], [[1, 2], [1, 2], [3], [3]], { pdeName: 'PDE (finite volumes)', sampleName: 'SGD, N = 2' });

  it('line and panel figures: every axis titled, the legend right of the plot', () => {
    expect(figureLayoutProblems(line)).toEqual([]);
    expect(figureLayoutProblems(panels)).toEqual([]);
    expect(line.layout.legend).toEqual(LEGEND_LAYOUT);
  });

  it('the checker catches an untitled axis and a legend over the plot (so the rules above can fail)', () => {
    const bad = { data: line.data, layout: { ...line.layout, yaxis: { title: { text: '' } }, legend: { orientation: 'h' } } };
    expect(figureLayoutProblems(bad)).toEqual(['yaxis has no title', 'legend is not placed right of the plot area']);
  });

  it('panels name both engines once in the legend and carry a linear/log toggle for every y axis', () => {
    const named = panels.data.filter((t) => t.showlegend).map((t) => t.name);
    expect(named).toEqual(['SGD, N = 2', 'PDE (finite volumes)']);
    const menu = (panels.layout.updatemenus as { buttons: { label: string; args: Record<string, string>[] }[] }[])[0];
    expect(menu.buttons.map((b) => b.label)).toEqual(['linear y', 'log y']);
    expect(Object.keys(menu.buttons[1].args[0])).toEqual(['yaxis.type', 'yaxis2.type', 'yaxis3.type', 'yaxis4.type']);
  });

  it('log axes: values ≤ 0 or at round-off relative to the largest are not drawn', () => {
    expect(logMeaningful([1, 1e-3, 0.5 * LOG_ROUND_OFF, 0, -1], 1)).toEqual([1, 1e-3, null, null, null]);
    const fig = lineFigure('x', 'x', 'y', [{ name: 'a', x: [0, 1, 2], y: [0.1, 1e-16, 0.2] }], { logY: true });
    expect(fig.data[0].y).toEqual([0.1, null, 0.2]);
  });

  it('the Fig. 2 figure: a d = ∞ minimum at round-off is dropped, Δ^h printed to the tolerance, layout rules hold', () => {
    const row = (delta: number, min: number) => ({ delta, gridMinimum: { risk: min, dualityGap: 0 }, singleDelta: { risk: 2 * min + 0.01, rStar: 1 }, lemma1: { holds: true, normalizedMargin: 0 } });
    const sweep = {
      deltaTolerance: 1e-4,
      dims: [{ d: 'inf', deltaLow: 0.02981852213541667, deltaHigh: 0.4309741210937501, intervals: [], rows: [row(0.1, 3e-17), row(0.5, 0.02)], dynamics: [] }],
    } as unknown as SweepResult;
    const fig = fig2Figure(sweep);
    expect(fig.data[0].y).toEqual([null, 0.02]);
    expect(fig.data.map((t) => t.name)).toContain('d = ∞: Δ^h = 0.4310');
    expect(figureLayoutProblems(fig)).toEqual([]);
  });
});

describe('time slider', () => {
  const { centres, h, P } = collapsedLaw();
  const Q = P.map((p, j) => (j === 3 ? 0 : p / 0.7));
  const fig = densitySliderFigure('r', centres, h, [0, 10], [Q, P], [[3, 3.1], [0.07, 3]], { pdeName: 'PDE', sampleName: 'SGD' });

  it('one frame per save time on fixed bins, the slider animating to each by name, and a fixed y range above every bar', () => {
    expect(fig.frames!.map((f) => f.name)).toEqual(['t = 0', 't = 10']);
    const steps = (fig.layout.sliders as { steps: { args: unknown[] }[] }[])[0].steps;
    expect(steps.map((s) => (s.args[0] as string[])[0])).toEqual(['t = 0', 't = 10']);
    const xs = fig.frames!.map((f) => f.data[0].x);
    expect(xs[0]).toEqual(xs[1]);
    const top = Math.max(...fig.frames!.flatMap((f) => f.data.flatMap((t) => t.y as number[])));
    expect((fig.layout.yaxis as { range: number[] }).range[1]).toBeGreaterThanOrEqual(top);
    expect(figureLayoutProblems(fig)).toEqual([]);
  });

  it('the report writes the frames beside the figure, and reading the report back gives the static figure', () => {
    const html = renderReport('r', [{ title: 'slider', figure: fig }], {});
    expect(html).toContain("Plotly.addFrames('fig0', ");
    const [read] = readReportFigures(html);
    expect(read.figure.frames).toBeUndefined();
    expect(read.figure.data).toEqual(JSON.parse(JSON.stringify(fig.data)));
  });
});
