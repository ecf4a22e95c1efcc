/**
 * Numbers for people: headings, legends, tables and terminal lines print a number to the precision
 * it carries, never the 16 digits of a double (0.02981852213541667 for a quantity found to 1e-4).
 */

/**
 * `x` to `digits` significant digits, without trailing zeros: plain notation for 1e-3 ≤ |x| < 1e6
 * (and integers up to 1e15), exponent notation otherwise (1.23e-7). Non-finite values print as
 * "NaN", "∞" and "−∞".
 */
export function formatNumber(x: number, digits = 4): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  if (Number.isInteger(x) && Math.abs(x) < 1e15 && String(x).replace('-', '').length <= Math.max(digits, 6)) return String(x);
  const ax = Math.abs(x);
  if (ax >= 1e-3 && ax < 1e6) return String(Number(x.toPrecision(digits)));
  const [mantissa, exponent] = x.toExponential(digits - 1).split('e');
  return `${String(Number(mantissa))}e${exponent.replace('+', '')}`;
}

/**
 * `x` rounded to the decimals a tolerance resolves (tolerance 1e-4: 4 decimals, 2.5e-3: 3), so a
 * value known to ±tolerance is not printed with more digits than it has.
 */
export function formatToTolerance(x: number, tolerance: number): string {
  if (!(tolerance > 0) || !Number.isFinite(x)) return formatNumber(x);
  const decimals = Math.max(0, Math.ceil(-Math.log10(tolerance) - 1e-9));
  if (decimals > 12) return formatNumber(x, 6);
  return x.toFixed(decimals);
}

/** An interval [lo, hi] with each end rounded to `tolerance` (formatToTolerance). */
export function formatInterval(lo: number, hi: number, tolerance: number): string {
  return `[${formatToTolerance(lo, tolerance)}, ${formatToTolerance(hi, tolerance)}]`;
}

/**
 * Rows of cells as fixed-width text columns: each column as wide as its widest cell, right-aligned,
 * with `gap` spaces between columns, so no two columns can run together however long a number is.
 */
export function textTable(rows: readonly (readonly string[])[], gap = 2): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, j) => (widths[j] = Math.max(widths[j] ?? 0, [...cell].length)));
  return rows.map((row) => row.map((cell, j) => cell.padStart(widths[j] + (cell.length - [...cell].length))).join(' '.repeat(gap)).trimEnd());
}
