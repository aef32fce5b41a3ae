/**
 * Everything a scenario starts (child processes, servers, proxies) is registered here and stopped by
 * {@link stopEverything} in `afterAll`, even when the scenario failed half-way. Child processes are also killed
 * synchronously if the test process itself exits, so no bridge or broker outlives the suite.
 */
import type { ChildProcess } from 'node:child_process';

interface Entry {
  readonly name: string;
  readonly stop: () => Promise<void>;
}

const entries: Entry[] = [];
const children = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

/** Registers something to stop at the end; later registrations stop first. Returns `thing`. */
export function track<T extends { stop(): Promise<void> | void }>(name: string, thing: T): T {
  entries.push({ name, stop: async () => thing.stop() });
  return thing;
}

/** Registers a child process so it is killed on exit even if nothing stops it. */
export function trackChild(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Stops everything registered, newest first, each bounded in time; reports what would not stop. */
export async function stopEverything(timeoutMillis = 15_000): Promise<void> {
  const problems: string[] = [];
  while (entries.length > 0) {
    const entry = entries.pop()!;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        entry.stop(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`did not stop within ${timeoutMillis} ms`)), timeoutMillis);
        }),
      ]);
    } catch (err) {
      problems.push(`${entry.name}: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  if (problems.length > 0) console.warn(`chaos: cleanup problems:\n${problems.join('\n')}`);
}
