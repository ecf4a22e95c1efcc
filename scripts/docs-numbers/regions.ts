/**
 * Generated regions of a Markdown file: the text between `<!-- numbers:NAME -->` and
 * `<!-- /numbers:NAME -->` belongs to the generator NAME (scripts/docs-numbers.ts) and is rewritten by
 * it; everything outside the markers is left byte for byte as it is.
 *
 * Two forms, told apart by what follows the opening marker:
 *  - block: the opening marker ends its line; the generated text fills the lines up to the closing
 *    marker, which starts its own line (tables, paragraphs);
 *  - inline: text on the marker's own line (a number inside a sentence or a table cell); the
 *    generated text must then be one line.
 */

const MARKER = /<!-- (\/?)numbers:([a-z0-9][a-z0-9-]*) -->/g;

/** One marked region of a file: its name, the text between the markers and its form. */
export interface Region {
  readonly name: string;
  readonly content: string;
  readonly inline: boolean;
  /** Offsets of the text between the markers. */
  readonly start: number;
  readonly end: number;
}

/** The regions of a file in order; a stray, unclosed, nested or duplicated marker is an error naming the file and line. */
export function findRegions(text: string, file: string): Region[] {
  const regions: Region[] = [];
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
  let open: { name: string; at: number; after: number } | null = null;
  const seen = new Set<string>();
  for (const m of text.matchAll(MARKER)) {
    const [marker, closing, name] = m;
    const at = m.index;
    if (!closing) {
      if (open) throw new Error(`${file}:${lineOf(at)}: region "${name}" opens inside region "${open.name}" (opened at line ${lineOf(open.at)})`);
      if (seen.has(name)) throw new Error(`${file}:${lineOf(at)}: region "${name}" appears twice in this file`);
      open = { name, at, after: at + marker.length };
      continue;
    }
    if (!open || open.name !== name) throw new Error(`${file}:${lineOf(at)}: closing marker of "${name}" without its opening marker`);
    const content = text.slice(open.after, at);
    const inline = !content.startsWith('\n');
    if (!inline && !content.endsWith('\n')) throw new Error(`${file}:${lineOf(at)}: the closing marker of block region "${name}" must start its own line`);
    if (inline && content.includes('\n')) throw new Error(`${file}:${lineOf(open.at)}: inline region "${name}" spans several lines (a block region starts on the line after its marker)`);
    regions.push({ name, content, inline, start: open.after, end: at });
    seen.add(name);
    open = null;
  }
  if (open) throw new Error(`${file}:${lineOf(open.at)}: region "${open.name}" is never closed (<!-- /numbers:${open.name} -->)`);
  return regions;
}

/** What a region's content becomes for generated `text` (without surrounding newlines). */
function framed(region: Region, text: string): string {
  if (region.inline) {
    if (text.includes('\n')) throw new Error(`region "${region.name}" is inline but its generator gave ${text.split('\n').length} lines`);
    return text;
  }
  return `\n${text.replace(/\n+$/, '')}\n`;
}

/**
 * The file with the named regions replaced by `generated[name]` (regions whose name is absent are kept).
 * Returns the new text and the names whose content changed.
 */
export function rewriteRegions(text: string, file: string, generated: ReadonlyMap<string, string>): { text: string; changed: string[] } {
  const changed: string[] = [];
  let out = '';
  let last = 0;
  for (const region of findRegions(text, file)) {
    const value = generated.get(region.name);
    if (value === undefined) continue;
    const content = framed(region, value);
    if (content !== region.content) changed.push(region.name);
    out += text.slice(last, region.start) + content;
    last = region.end;
  }
  return { text: out + text.slice(last), changed };
}
