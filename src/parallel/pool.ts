// PLACEHOLDER until the pool branch lands: runs tasks inline.
export interface Task { module: string; export: string; input: unknown }
export interface TaskContext { shouldStop(): boolean; progress(message: unknown): void }
export async function runTasks<T>(tasks: Task[], options: { workers?: number; shouldStop?: () => boolean; onProgress?: (i: number, m: unknown) => void; onDone?: (i: number, r: T) => void } = {}): Promise<{ results: (T | null)[]; completed: boolean }> {
  const results: (T | null)[] = tasks.map(() => null);
  for (let i = 0; i < tasks.length; i++) {
    if (options.shouldStop?.()) break;
    const mod = (await import(tasks[i].module)) as Record<string, (input: unknown, ctx: TaskContext) => Promise<T> | T>;
    results[i] = await mod[tasks[i].export](tasks[i].input, { shouldStop: () => options.shouldStop?.() ?? false, progress: (m) => options.onProgress?.(i, m) });
    options.onDone?.(i, results[i]!);
  }
  return { results, completed: results.every((r) => r !== null) };
}
