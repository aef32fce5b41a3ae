/**
 * `npm start` as a child process for the tests of `local/start.ts`: started the way npm starts it (node with tsx,
 * the supervisor first), its output collected, and every process of the run found by a marker in its environment
 * (every child inherits it), so a test can say what is still running after the run ended.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');

/** The environment variable that marks every process of one run. */
export const RUN_MARK = 'METER_TEST_RUN_MARK';

/** How a run ended. */
export interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly millis: number;
}

/** Options of {@link startRunner}. */
export interface StartRunnerOptions {
  /** Node.js arguments before the script (a preload, say). @default ['--import', 'tsx'] */
  readonly nodeArgs?: readonly string[];
  /** Wrap the command: returns the program and its arguments (for example `script` for a terminal). */
  readonly wrap?: (command: readonly string[]) => readonly string[];
  /** @default ['ignore', 'pipe', 'pipe'] */
  readonly stdio?: StdioOptions;
  /** More environment. */
  readonly env?: NodeJS.ProcessEnv;
}

/** A started run. */
export interface Runner {
  readonly child: ChildProcess;
  /** The marker value in the environment of every process of this run. */
  readonly mark: string;
  readonly done: Promise<Run>;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves once `pattern` is in stdout or stderr; rejects after the timeout, or when the run ends first. */
  readonly waitFor: (pattern: RegExp, timeoutMillis?: number) => Promise<void>;
}

/** Starts `local/start.ts` with `args`, as `npm start -- <args>` does. */
export function startRunner(args: readonly string[], options: StartRunnerOptions = {}): Runner {
  const started = Date.now();
  const mark = randomUUID();
  const command = [process.execPath, ...(options.nodeArgs ?? ['--import', 'tsx']), 'local/start.ts', ...args];
  const [program, ...rest] = options.wrap ? options.wrap(command) : command;
  const child = spawn(program!, rest, {
    cwd: ROOT,
    stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1', ...options.env, [RUN_MARK]: mark },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  let ended = false;
  const done = new Promise<Run>((resolve) =>
    child.once('exit', (code, signal) => {
      ended = true;
      resolve({ code, signal, stdout, stderr, millis: Date.now() - started });
    }),
  );
  const waitFor = async (pattern: RegExp, timeoutMillis = 90_000) => {
    const deadline = Date.now() + timeoutMillis;
    while (!pattern.test(stdout) && !pattern.test(stderr)) {
      if (ended) throw new Error(`the run ended before ${pattern}:\n${stdout}\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} in ${timeoutMillis} ms:\n${stdout}\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  return { child, mark, done, stdout: () => stdout, stderr: () => stderr, waitFor };
}

/** One live process of a run. */
export interface MarkedProcess {
  readonly pid: number;
  readonly command: string;
  readonly env: Readonly<Record<string, string>>;
}

/** The live processes whose environment holds `mark` (zombies have none, so they are not counted). */
export function markedProcesses(mark: string): MarkedProcess[] {
  const found: MarkedProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (!environ.includes(`${RUN_MARK}=${mark}`)) continue;
      const env: Record<string, string> = {};
      for (const kv of environ) {
        const at = kv.indexOf('=');
        if (at > 0) env[kv.slice(0, at)] = kv.slice(at + 1);
      }
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      found.push({ pid: Number(entry), command, env });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/**
 * Waits until no process of the run is left and returns what was left at the deadline (empty when none was). What
 * is left then is SIGKILLed, so a failing test leaves nothing behind either.
 */
export async function leftRunning(mark: string, timeoutMillis: number): Promise<MarkedProcess[]> {
  const deadline = Date.now() + timeoutMillis;
  for (;;) {
    const left = markedProcesses(mark);
    if (left.length === 0) return [];
    if (Date.now() > deadline) {
      for (const p of left) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      return left;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
