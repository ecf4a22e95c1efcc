/** Every generator and measurement of scripts/docs-numbers.ts, from the modules that define them. */
import { CLT_EXAMPLES, CLT_GENERATORS } from './clt.ts';
import { DEBORTOLI_EXAMPLES, DEBORTOLI_GENERATORS } from './debortoli.ts';
import { MMN_EXAMPLES, MMN_GENERATORS, type ExampleMeasurement } from './examples.ts';
import { CORE_GENERATORS, TIMED_COMMANDS, measureCompare, measureFig1, measureSgdDiffusion, measureTiming, type Context, type Generator } from './generators.ts';

type Log = (line: string) => void;

export const GENERATORS: readonly Generator[] = [...CORE_GENERATORS, ...MMN_GENERATORS, ...DEBORTOLI_GENERATORS, ...CLT_GENERATORS];

/** The examples whose tables are generated: `compare examples/<name>.json`, timed under the same name. */
const EXAMPLES: Record<string, ExampleMeasurement> = { ...MMN_EXAMPLES, ...DEBORTOLI_EXAMPLES, ...CLT_EXAMPLES };

/** The measurements, in the order --all runs them; each writes its data file in bench/ or its timing. */
export const MEASUREMENTS: Record<string, (context: Context, log: Log) => Promise<unknown> | void> = {
  'fig1-reference': measureFig1,
  'sgd-diffusion': measureSgdDiffusion,
  ...Object.fromEntries(Object.entries(EXAMPLES).map(([name, { data, extract }]) => [name, (context: Context, log: Log) => void measureCompare(context, log, name, name, data, extract)])),
  ...Object.fromEntries(Object.keys(TIMED_COMMANDS).map((name) => [name, (context: Context, log: Log) => measureTiming(context, name, log)])),
};
