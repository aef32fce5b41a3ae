/**
 * `npm start` leaves nothing running, however it ends: every process of the run carries a marker in its
 * environment (children inherit it), and after each way of ending, none is left. The services die with their parent
 * through the kernel (PR_SET_PDEATHSIG, `local/services/child-service.ts`); the runner stops in order on signals, on
 * a closed output and on a dead supervisor.
 */
import {
  leftRunning,
  markedProcesses,
  startRunner,
  type MarkedProcess,
  type Runner,
  type StartRunnerOptions,
} from './support/runner';

const RUNNING = /published\s+[1-9]/;

/** The runner's own process (the supervisor starts it with the runner marker). */
function runnerPid(run: Runner): number {
  const runner = markedProcesses(run.mark).find(
    (p) => p.env.METER_READINGS_LOCAL_RUNNER === '1' && p.command.includes('local/start.ts'),
  );
  if (!runner) throw new Error('no runner process found');
  return runner.pid;
}

/** What a process of the run is, by its command line. */
function role(p: MarkedProcess): string {
  if (/\bjava\b/.test(p.command)) return 'java';
  if (p.command.includes('embedded-broker-process')) return 'broker';
  if (p.command.includes('bridge/src/main.ts')) return 'bridge';
  if (p.command.includes('local/start.ts')) return p.env.METER_READINGS_LOCAL_RUNNER === '1' ? 'runner' : 'npm start';
  return p.command;
}

const shellQuote = (args: readonly string[]) => args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');

interface Way {
  readonly options?: StartRunnerOptions;
  /** Ends the run. */
  readonly end: (run: Runner) => void;
  /** What the run's own output says about it, when it can say anything. */
  readonly says?: RegExp;
}

const WAYS: Record<string, Way> = {
  'SIGTERM to npm start': {
    end: (run) => run.child.kill('SIGTERM'),
    says: /interrupted by SIGTERM/,
  },
  'its terminal closed (SIGHUP)': {
    // `script` gives the run a pseudo-terminal; SIGKILLing it closes the terminal's master side, as a terminal
    // window closing does, and the kernel hangs the terminal up (SIGHUP to the session).
    options: {
      wrap: (command) => ['script', '-qefc', shellQuote(command), '/dev/null'],
      stdio: ['pipe', 'pipe', 'pipe'],
    },
    end: (run) => run.child.kill('SIGKILL'),
  },
  'its reader gone (EPIPE, as in npm start | head)': {
    // (its output is closed, so it says nothing more: it writes nothing after the write that failed)
    end: (run) => run.child.stdout!.destroy(),
  },
  'its own crash (an uncaught exception)': {
    options: { nodeArgs: ['--import', 'tsx', '--import', './test/local/support/crash-on-signal.ts'] },
    end: (run) => process.kill(runnerPid(run), 'SIGUSR2'),
    says: /npm start: crashed: injected crash \(test\)/,
  },
  'the runner SIGKILLed (no handler runs)': {
    end: (run) => process.kill(runnerPid(run), 'SIGKILL'),
  },
  'npm start itself SIGKILLed (the supervisor)': {
    end: (run) => run.child.kill('SIGKILL'),
  },
};

describe('npm start leaves nothing running', () => {
  it.each(Object.entries(WAYS))(
    'when it ends by %s',
    async (_way, way) => {
      // GIVEN a run with readings flowing
      const run = startRunner([], way.options);
      try {
        await run.waitFor(RUNNING);
        const before = markedProcesses(run.mark);
        // (npm start and its runner, DynamoDB Local's JVM, the broker and the bridge; kinesalite runs in the runner)
        expect(before.map(role)).toEqual(expect.arrayContaining(['npm start', 'runner', 'java', 'broker', 'bridge']));
        // WHEN it ends this way
        way.end(run);
        const ended = await run.done;
        // THEN no process of the run is left, within the bound of an orderly stop
        const left = await leftRunning(run.mark, 60_000);
        expect(left.map((p) => `${p.pid} ${p.command}`)).toEqual([]);
        if (way.says) expect(`${ended.stdout}\n${ended.stderr}`).toMatch(way.says);
      } finally {
        if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
        await leftRunning(run.mark, 0);
      }
    },
    180_000,
  );
});
