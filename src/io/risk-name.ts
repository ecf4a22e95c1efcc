/**
 * The model's word for R in outputs (`Model.riskName`, src/model.ts): "risk" by default, "loss" for a
 * model whose R is L = ½‖f − f_n‖². Result writers rename keys with it and reports label with it.
 */

/** Labels of R for reports: the word, its capitalised form, the symbol of the limit and of the finite network. */
export interface RiskWords {
  readonly name: string;
  readonly title: string;
  /** "R" or "L": the mean-field value. */
  readonly symbol: string;
  /** "R_N" or "L_N": the finite network's value. */
  readonly finite: string;
  /** Axis title of the quantity: "population risk R", "loss L". */
  readonly axis: string;
}

export function riskWords(name = 'risk'): RiskWords {
  const symbol = name.charAt(0).toUpperCase();
  return { name, title: symbol + name.slice(1), symbol, finite: `${symbol}_N`, axis: name === 'risk' ? 'population risk R' : `${name} ${symbol}` };
}

/**
 * A copy of `value` with every object key's "risk" → name and "Risk" → Name (`risk` → `loss`,
 * `riskStd` → `lossStd`, `pdeRisk` → `pdeLoss`); arrays and typed arrays are kept as they are.
 */
export function renameRiskKeys(value: unknown, name: string): unknown {
  if (name === 'risk' || value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return value.map((v) => renameRiskKeys(v, name));
  const { title } = riskWords(name);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replaceAll('risk', name).replaceAll('Risk', title), renameRiskKeys(v, name)]));
}
