/**
 * Run as a child process by test/parallel/pool.test.ts: one task throws while another spins for a
 * minute without checking the stop flag. runTasks must reject and leave no worker behind, so this
 * process exits at once with code 0 (a live worker would keep it running for the minute).
 */
import { runTasks } from '../../src/parallel/pool.ts';

const module = new URL('./tasks.ts', import.meta.url).href;
try {
  await runTasks(
    [
      { module, export: 'ignoreStop', input: { capMs: 60_000 } },
      { module, export: 'throwRangeErrorLater', input: { afterMs: 300 } },
    ],
    { workers: 2 },
  );
  console.log('resolved');
} catch (err) {
  console.log(`rejected: ${(err as Error).name}: ${(err as Error).message}`);
}
