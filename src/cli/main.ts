/**
 * `meanfield` command line. Every command reads one JSON spec (src/spec), validates it (a bad field
 * exits with code 2 and a message naming it), and writes result files that record the spec, seed,
 * version and timings. SIGINT/SIGTERM stop a run cleanly: finished work is written, result.json lists
 * what is missing, and --resume continues (src/cli/common.ts). One file per command in this folder.
 */
import { ConfigError } from '../errors.ts';
import { PACKAGE_VERSION } from '../io/output.ts';
import { InputError, UsageError } from './common.ts';
import { commandCompare } from './compare.ts';
import { commandExport, EXPORT_USAGE } from './export.ts';
import { commandFluctuations } from './fluctuations.ts';
import { commandMerge, MERGE_USAGE } from './merge.ts';
import { commandMinimize } from './minimize.ts';
import { commandModels } from './models.ts';
import { commandPlan, PLAN_USAGE } from './plan.ts';
import { commandPotentials } from './potentials.ts';
import { commandSolve } from './solve.ts';
import { commandSweep } from './sweep.ts';

const USAGE = `meanfield ${PACKAGE_VERSION}: mean-field theory of two-layer neural networks

usage:
  meanfield solve <spec.json> --out <dir> [--resume] solve the reduced PDE; writes result.json and report.html;
                                                     --resume reuses the phases an interrupted run finished
  meanfield compare <spec.json> --out <dir> [--seeds K] [--workers W] [--paper] [--resume] [--shard k/n]
                                                     PDE vs finite-N particles for every run (variants) of the
                                                     spec; --paper merges the spec's "paper" block (or uses
                                                     MMN's ε = 1e-6); --resume reuses the replicas and
                                                     PDE phases an interrupted run saved in <dir>
                                                     --shard k/n runs one shard of a cluster run into
                                                     <dir> (see meanfield plan, meanfield merge)
  meanfield compare <spec.json> --out <dir> --ns 400,1600 --epsilons 2e-5,1e-4 [--seeds 60] [--resume]
                                                     CLT ensemble study (also when the spec has a "clt"
                                                     block): measured vs predicted std of R_N and means;
                                                     --shard k/n runs one shard of it
  meanfield compare <spec.json> --out <dir> --widths 250,500,1000,2000,4000 [--seeds K] [--shard k/n]
                                                     width study (also with a "widths" block): excess
                                                     R_n − R and spread of R_n against 1/n, fitted slopes
  meanfield fluctuations <spec.json> (--out <dir> | --json) [--n N] [--epsilon e] [--batch B] [--no-nonlocal]
                                                     CLT prediction of the seed-to-seed std of R_N and means
  meanfield minimize <spec.json> [--json] [--lemma-domain half-line|grid]
                                                     certified global minimum of R on the grid, single-delta
                                                     ansatz with the Lemma 1 test, point-mass stability
  meanfield sweep <spec.json> [--out <dir>] [--json] [--workers W] [--shard k/n]
                                                     risk vs a model parameter, MMN Fig. 2 report;
                                                     --shard k/n runs one shard of it into <dir>
  meanfield potentials <spec.json> --at x1,x2,... [--json]
                                                     v(x_i), u(x_i, x_j) and U(θ,θ) at points of the reduced
                                                     coordinates ("x,y;x,y" for several coordinates)
  meanfield models [--json]                          the models and what each offers
  ${EXPORT_USAGE}
  ${PLAN_USAGE}
  ${MERGE_USAGE}
  meanfield --version | --help

Every command takes --debug: on a failure, print the stack trace too.
Exit codes: 0 success, 1 run-time failure, 2 bad usage or spec, 130 / 143 stopped by SIGINT (Ctrl-C) /
SIGTERM (finished work written, result.json lists what is missing). Progress: a bar on a terminal, a line
every 5 s otherwise (MEANFIELD_PROGRESS_SECONDS); --quiet silences it.
See README.md for the spec format.`;

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  solve: commandSolve,
  compare: commandCompare,
  potentials: commandPotentials,
  models: commandModels,
  export: commandExport,
  fluctuations: commandFluctuations,
  minimize: commandMinimize,
  sweep: commandSweep,
  plan: commandPlan,
  merge: commandMerge,
};

/** The one line a failure prints: the message of a known error, else its name and message (never a stack unless asked). */
function failureLine(e: unknown, command: string | undefined): string {
  if (!(e instanceof Error)) return `meanfield${command ? ` ${command}` : ''}: failed: ${String(e)}`;
  const first = e.message.split('\n')[0] || e.name;
  return `meanfield${command ? ` ${command}` : ''}: failed: ${e.name === 'Error' ? '' : `${e.name}: `}${first}`;
}

/** Runs the CLI; returns the exit code. `--debug` anywhere on the line adds the stack of a failure. */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const [command, ...rest] = argv.filter((a) => a !== '--debug');
  try {
    if (command === '--version' || command === 'version') {
      console.log(PACKAGE_VERSION);
      return 0;
    }
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    }
    const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!run) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    return await run(rest);
  } catch (e) {
    if (debug && e instanceof Error && e.stack) console.error(e.stack);
    if (e instanceof ConfigError) {
      console.error(`meanfield: invalid spec: ${e.message}`);
      return 2;
    }
    if (e instanceof InputError) {
      console.error(`meanfield: ${e.message}`);
      return 2;
    }
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`meanfield: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    console.error(failureLine(e, command));
    if (!debug) console.error('(run again with --debug for the stack trace)');
    return 1;
  }
}
