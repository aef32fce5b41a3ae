/**
 * `npm test`'s `pretest` step (and `.ci/run`'s): finds the system tools of {@link SYSTEM_TOOLS}, installs the missing
 * Debian packages when it can (root, apt-get), and otherwise exits 1 at once with the one command to run. Prints one
 * line when it installs, nothing when all are there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { SYSTEM_TOOLS, missingTools, planSystemTools } from './requirements';

const EXTRA_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', '/sbin', '/bin'];

function findBinaries(names: readonly string[]): Set<string> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  return new Set(names.filter((name) => dirs.some((dir) => existsSync(join(dir, name)))));
}

function run(command: string, args: readonly string[]): void {
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0) {
    console.error(`system-tools: \`${command} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}

function main(): void {
  const binaries = SYSTEM_TOOLS.flatMap((tool) => tool.binaries);
  const found = findBinaries(binaries);
  const plan = planSystemTools({
    found,
    isRoot: process.getuid?.() === 0,
    hasAptGet: findBinaries(['apt-get']).has('apt-get'),
    installDisabled: process.env.METER_BRIDGE_NO_INSTALL === '1',
  });
  if (plan.kind === 'ready') return;
  if (plan.kind === 'fail') {
    console.error(plan.message);
    process.exit(1);
  }
  console.log(plan.message);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...plan.packages]);
  // The Debian package starts a system broker on port 1883 where an init system runs; nothing here uses it (every
  // test starts its own on a free port), so the one this step brought is stopped again.
  if (plan.packages.includes('mosquitto')) spawnSync('service', ['mosquitto', 'stop'], { stdio: 'ignore' });
  const still = missingTools(findBinaries(binaries));
  if (still.length > 0) {
    console.error(`system-tools: still missing after the install: ${still.map((tool) => tool.name).join(', ')}`);
    process.exit(1);
  }
}

main();
