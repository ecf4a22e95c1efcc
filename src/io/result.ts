/**
 * One result writer for every command: `result.json` (every number, with the spec and provenance
 * that produced it) and `report.html` (the figures), each written atomically.
 */
import { join } from 'node:path';
import { renderReport, type ReportSection } from '../plot/html-report.ts';
import { toJson, writeFileAtomic } from './output.ts';
import { renameRiskKeys } from './risk-name.ts';

export interface ResultFiles {
  readonly json: string;
  readonly html: string;
}

/**
 * Writes `result` as dir/result.json and the report of `sections` as dir/report.html. With a
 * `riskName` (the model's word for R, src/model.ts) every risk key outside `spec` and `provenance` is
 * renamed to it (src/io/risk-name.ts).
 */
export function writeResult(dir: string, result: { provenance: unknown; spec?: unknown; riskName?: string }, report: { title: string; sections: ReportSection[] }): ResultFiles {
  const json = join(dir, 'result.json');
  const html = join(dir, 'report.html');
  const { provenance, spec, riskName, ...rest } = result;
  const named = riskName ? { riskName, ...(renameRiskKeys(rest, riskName) as object), provenance, spec } : result;
  writeFileAtomic(json, toJson(named));
  writeFileAtomic(html, renderReport(report.title, report.sections, { provenance: result.provenance, spec: result.spec }));
  return { json, html };
}
