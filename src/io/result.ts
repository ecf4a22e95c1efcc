/**
 * One result writer for every command: `result.json` (every number, with the spec and provenance
 * that produced it) and `report.html` (the figures), each written atomically.
 */
import { join } from 'node:path';
import { renderReport, type ReportSection } from '../plot/html-report.ts';
import { toJson, writeFileAtomic } from './output.ts';

export interface ResultFiles {
  readonly json: string;
  readonly html: string;
}

/** Writes `result` as dir/result.json and the report of `sections` as dir/report.html. */
export function writeResult(dir: string, result: { provenance: unknown; spec?: unknown }, report: { title: string; sections: ReportSection[] }): ResultFiles {
  const json = join(dir, 'result.json');
  const html = join(dir, 'report.html');
  writeFileAtomic(json, toJson(result));
  writeFileAtomic(html, renderReport(report.title, report.sections, { provenance: result.provenance, spec: result.spec }));
  return { json, html };
}
