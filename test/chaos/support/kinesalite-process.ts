/**
 * kinesalite in its own process, so that Kinesis's work runs on the other core, not in the test process that also
 * runs the poller, the handler and the simulator (the local runner's `startKinesisLocal` runs it in process, which
 * is right for `npm start` but makes the test process the bottleneck of a 100,000-message scenario). Same options.
 */
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { freePort } from '../../../local/services/free-port';
import type { KinesisLocal } from '../../../local/services/kinesis-local';
import { trackChild } from './children';

const SCRIPT = `
const kinesalite = require('kinesalite');
const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
server.listen(Number(process.argv[1]), '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => process.exit(0));
`;

/**
 * Starts kinesalite in a child process on a free loopback port. With `logFile`, its output and how it ended (a crash
 * mid-scenario looks like a stalled pipeline otherwise) are appended there.
 */
export async function startKinesaliteProcess(logFile?: string): Promise<KinesisLocal> {
  const port = await freePort();
  const child = trackChild(
    spawn(process.execPath, ['-e', SCRIPT, String(port)], { stdio: ['ignore', 'pipe', 'pipe'], cwd: __dirname }),
  );
  let stderr = '';
  const log = (text: string) => logFile && appendFileSync(logFile, text);
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-2000);
    log(c.toString());
  });
  let stopping = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      log(`${new Date().toISOString()} kinesalite exited (${code ?? signal})${stopping ? ' when stopped' : ''}\n`);
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => line === 'ready' && resolve());
    void exited.then(() => reject(new Error(`kinesalite exited at start: ${stderr.trim()}`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
