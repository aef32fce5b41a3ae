/**
 * The one launcher of the child processes that the local runner, the benchmarks and the tests start (the embedded
 * broker, DynamoDB Local's JVM, kinesalite's process, the bridge): spawn, wait until ready, keep the end of its output
 * for the error that says why it did not start, stop with SIGTERM then SIGKILL after a timeout.
 *
 * A child never outlives its parent, however the parent ends (a crash, SIGKILL, a closed terminal): on Linux the
 * child is started through `setpriv --pdeathsig SIGTERM` (util-linux, part of every Debian system), so the kernel
 * sends it SIGTERM the moment the process that started it dies, before any handler of the parent could have run
 * (see prctl(2), PR_SET_PDEATHSIG). Where `setpriv` is missing (not Linux), the children die with the parent only when
 * the parent stops them itself: on its signals, on a closed output and on its own crash (see local/start.ts), not on
 * SIGKILL; {@link parentDeathGuard} says which holds.
 */
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

/** How a child dies with its parent on this machine. */
export type ParentDeathGuard = 'pdeathsig' | 'none';

let guard: ParentDeathGuard | undefined;

/** `pdeathsig` when `setpriv --pdeathsig` works here (Linux with util-linux), otherwise `none`. */
export function parentDeathGuard(): ParentDeathGuard {
  if (guard === undefined) {
    const probe =
      process.platform === 'linux'
        ? spawnSync('setpriv', ['--pdeathsig', 'SIGTERM', '--', 'true'], { stdio: 'ignore' })
        : undefined;
    guard = probe && !probe.error && probe.status === 0 ? 'pdeathsig' : 'none';
  }
  return guard;
}

/** What to start. */
export interface ChildServiceOptions {
  /** Named in errors ("DynamoDB Local exited at start: ..."). */
  readonly name: string;
  /** The executable. @default - this Node.js (`process.execPath`) */
  readonly command?: string;
  readonly args: readonly string[];
  /** @default - this process's working directory */
  readonly cwd?: string;
  /** @default - this process's environment */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Where the child's stdout and stderr go: `pipe` keeps their last 4,000 characters for errors (and lets
   * {@link waitForLine} read stdout), a file descriptor appends both to that file.
   * @default 'pipe'
   */
  readonly output?: 'pipe' | number;
  /** How long `stop()` waits after SIGTERM before SIGKILL. @default 5000 */
  readonly killAfterMillis?: number;
}

/** A started child. */
export interface ChildService {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves with the exit code (or the signal's name, or `spawn-error`) when the child ends. */
  readonly exited: Promise<number | string>;
  /** Whether the child has ended. */
  hasExited(): boolean;
  /** The last 4,000 characters of its output (with `output: 'pipe'`). */
  output(): string;
  /** SIGTERM, then SIGKILL after `killAfterMillis` (or the given timeout); resolves with the exit code or signal. */
  stop(timeoutMillis?: number): Promise<number | string>;
}

/** Starts a child process that dies with this one (see the file's comment). */
export function startChildService(options: ChildServiceOptions): ChildService {
  const command = options.command ?? process.execPath;
  const [file, args] =
    parentDeathGuard() === 'pdeathsig'
      ? ['setpriv', ['--pdeathsig', 'SIGTERM', '--', command, ...options.args]]
      : [command, [...options.args]];
  const output = options.output ?? 'pipe';
  const stdio: StdioOptions = output === 'pipe' ? ['ignore', 'pipe', 'pipe'] : ['ignore', output, output];
  // setpriv replaces itself with the command (exec), so the pid, the signals and the exit are the command's own.
  const child = spawn(file, args, {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: options.env ?? process.env,
    stdio,
  });
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (err) => {
      keep(Buffer.from(`${options.name}: ${err.message}`));
      resolve('spawn-error');
    });
  });
  void exited.then(() => (done = true));
  return {
    name: options.name,
    process: child,
    exited,
    hasExited: () => done,
    output: () => tail,
    stop: async (timeoutMillis = options.killAfterMillis ?? 5000) => {
      if (!done) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMillis);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
}

/**
 * Resolves once a line of the child's stdout contains `marker`; rejects, with the child's output, if it exits first.
 * Needs `output: 'pipe'`.
 */
export function waitForLine(service: ChildService, marker: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const stdout = service.process.stdout;
    if (!stdout) {
      reject(new Error(`${service.name}: waitForLine needs output 'pipe'`));
      return;
    }
    const lines = createInterface({ input: stdout });
    lines.on('line', (line) => {
      // (the interface is left open: closing it would pause stdout, and a child blocks once its pipe fills)
      if (line.includes(marker)) resolve();
    });
    void service.exited.then(() => reject(new Error(`${service.name} exited at start: ${service.output().trim()}`)));
  });
}
