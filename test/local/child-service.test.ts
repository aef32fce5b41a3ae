/**
 * The launcher's promise: a child never outlives the process that started it, even when that process is SIGKILLed
 * (no handler of it runs), because the kernel signals the child (PR_SET_PDEATHSIG, prctl(2), through setpriv).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parentDeathGuard, startChildService, waitForLine } from '../../local/services/child-service';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean, timeoutMillis: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMillis;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe('startChildService', () => {
  it('uses the kernel guard on this machine (Linux with util-linux)', () => {
    expect(parentDeathGuard()).toBe('pdeathsig');
  });

  it('leaves no child running when its parent is killed with SIGKILL', async () => {
    // GIVEN a parent that started a long-sleeping child through the launcher
    const parent = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'support', 'launch-and-wait.ts')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const childPid = await new Promise<number>((resolve) =>
      createInterface({ input: parent.stdout! }).once('line', (l) =>
        resolve((JSON.parse(l) as { child: number }).child),
      ),
    );
    expect(await until(() => alive(childPid), 5000)).toBe(true);
    // WHEN the parent dies without running any handler
    parent.kill('SIGKILL');
    // THEN the child is gone too
    const gone = await until(() => !alive(childPid), 10_000);
    if (!gone) process.kill(childPid, 'SIGKILL');
    expect(gone).toBe(true);
  });

  it('rejects the wait for readiness with the child output when it exits at start', async () => {
    const service = startChildService({ name: 'failing', args: ['-e', 'console.error("no config"); process.exit(3)'] });
    await expect(waitForLine(service, 'ready')).rejects.toThrow('failing exited at start: no config');
    expect(await service.exited).toBe(3);
  });

  it('stops a child that ignores SIGTERM with SIGKILL after the timeout', async () => {
    const service = startChildService({
      name: 'stubborn',
      args: ['-e', 'process.on("SIGTERM", () => undefined); console.log("ready"); setInterval(() => {}, 1000)'],
    });
    await waitForLine(service, 'ready');
    expect(await service.stop(300)).toBe('SIGKILL');
  });
});
