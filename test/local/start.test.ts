/**
 * `npm start` end to end, as a child process: the real bridge, the real ingest handler, kinesalite, DynamoDB Local
 * (needs Java) and the embedded broker. Each run must balance and leave no port held.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { leftRunning, startRunner, type Run } from './support/runner';

function summaryOf(run: Run): Record<string, unknown> & { ports: Record<string, number> } {
  const at = run.stdout.indexOf('{');
  if (at < 0) throw new Error(`no JSON summary; stderr: ${run.stderr}`);
  return JSON.parse(run.stdout.slice(at)) as Record<string, unknown> & { ports: Record<string, number> };
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('npm start', () => {
  it('runs a counted feed end to end, balances the books and frees every port', async () => {
    // GIVEN the runner with 2000 messages
    const run = await startRunner(['--count', '2000', '--rate', '200', '--json']).done;
    // THEN it exits 0 with a balanced JSON summary
    const summary = summaryOf(run);
    expect({ code: run.code, balanced: summary.balanced, checks: summary.checks }).toMatchObject({
      code: 0,
      balanced: true,
    });
    expect(summary.published).toBe(2000);
    expect(summary.stored).toBe(summary.unique);
    expect(summary.duplicates).toBe(summary.duplicatesPublished);
    expect((summary.quarantined as { total: number }).total).toBe((summary.malformed as { total: number }).total);
    expect((summary.quarantined as { byReason: unknown }).byReason).toEqual(
      (summary.malformed as { byReason: unknown }).byReason,
    );
    expect(Object.keys((summary.malformed as { byReason: object }).byReason).length).toBeGreaterThanOrEqual(10);
    // AND nothing holds the ports it reported
    for (const port of Object.values(summary.ports)) expect(await portIsFree(port)).toBe(true);
  }, 180_000);

  it('stops cleanly on SIGINT while readings flow: bridge first, summary printed, ports freed', async () => {
    // GIVEN a runner without a limit, publishing
    const runner = startRunner(['--json']);
    await runner.waitFor(/running: published [1-9]/);
    // WHEN it gets SIGINT
    const signalled = Date.now();
    runner.child.kill('SIGINT');
    const run = await runner.done;
    // THEN it exits within the bound, after stopping everything, with a summary that still balances
    expect(Date.now() - signalled).toBeLessThan(45_000);
    const summary = summaryOf(run);
    expect(summary.interrupted).toBe('SIGINT');
    expect(summary.balanced).toBe(true);
    for (const port of Object.values(summary.ports)) expect(await portIsFree(port)).toBe(true);
    // AND no process of the run is left (the other ways of ending: start-ends.test.ts)
    expect(await leftRunning(runner.mark, 10_000)).toEqual([]);
  }, 180_000);

  it('fails with one line and exit 2 on a wrong flag', async () => {
    const run = await startRunner(['--count', 'many']).done;
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      'npm start: --count must be an integer >= 1, got "many" (see --help)',
    ]);
    expect(run.stdout).toBe('');
  }, 60_000);

  it('fails with one line and starts nothing when a port given is taken', async () => {
    // GIVEN a port in use
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    try {
      const run = await startRunner(['--health-port', String(port), '--count', '10']).done;
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toEqual([
        `npm start: port ${port} (--health-port) is already in use: choose another one or leave the flag out`,
      ]);
    } finally {
      server.close();
    }
  }, 60_000);

  it('fails with what to install when no Java runtime is on the PATH', async () => {
    // GIVEN a PATH with node and without java
    const { mkdtempSync, symlinkSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'no-java-'));
    symlinkSync(process.execPath, join(dir, 'node'));
    const { code, stderr } = await startRunner(['--count', '10'], { env: { PATH: dir } }).done;
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      'npm start: DynamoDB Local needs a Java runtime (17 or newer): install it with `apt-get install -y default-jre-headless`',
    ]);
  }, 60_000);
});
