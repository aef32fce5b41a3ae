/**
 * A real Eclipse Mosquitto broker for tests: started on a free loopback port with a generated configuration
 * (persistence directory, a password file made with `mosquitto_passwd -b`, an ACL, optional TLS), stopped and waited
 * for. Restartable on the same port and persistence directory, to test a broker restart. Fails with what to install
 * when mosquitto is missing.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from '../../local/services/free-port';

/** One user of the broker, and the topic patterns it may read and write (`readwrite` ACL lines). */
export interface MosquittoUser {
  readonly username: string;
  readonly password: string;
  /** @default ['#'] */
  readonly topics?: readonly string[];
}

/** Options for {@link startMosquitto}. */
export interface MosquittoOptions {
  /** @default - anonymous access allowed, no ACL */
  readonly users?: readonly MosquittoUser[];
  /** Serve TLS with these PEM files instead of plain TCP. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** Most unacknowledged QoS 1 messages in flight per client. @default 20 (mosquitto's) */
  readonly maxInflightMessages?: number;
  /** Most messages queued per offline or busy client. @default 1000000 */
  readonly maxQueuedMessages?: number;
  /** @default - a free port */
  readonly port?: number;
  /** Reuse a persistence directory (a restart). @default - a new temporary directory */
  readonly dataDir?: string;
}

/** A running mosquitto. */
export interface Mosquitto {
  /** `mqtt://127.0.0.1:<port>` or `mqtts://localhost:<port>` with TLS. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Everything mosquitto logged (its log goes to stderr). */
  log(): string;
  /** Stops mosquitto (SIGTERM; it saves its persistence file) and waits for it to exit. */
  stop(): Promise<void>;
  /** Stops and starts again on the same port and persistence directory. */
  restart(): Promise<Mosquitto>;
  /** Stops and removes the persistence directory. */
  destroy(): Promise<void>;
}

const MISSING = 'mosquitto is not installed: install it with `apt-get install -y mosquitto`';

function findBinary(name: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error(MISSING);
}

/** Starts mosquitto; resolves once it accepts connections. */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const binary = findBinary('mosquitto');
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'mosquitto-'));
  const lines = [
    `listener ${port} 127.0.0.1`,
    'persistence true',
    `persistence_location ${dataDir}/`,
    'autosave_interval 1',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    'connection_messages true',
    `max_inflight_messages ${options.maxInflightMessages ?? 20}`,
    `max_queued_messages ${options.maxQueuedMessages ?? 1_000_000}`,
    'max_queued_bytes 0',
    'persistent_client_expiration 1d',
  ];
  // Started as root, mosquitto would switch to the user "mosquitto", which cannot write this private directory.
  if (process.getuid?.() === 0) lines.push('user root');
  if (options.users && options.users.length > 0) {
    const passwd = join(dataDir, 'passwd');
    const acl = join(dataDir, 'acl');
    writeFileSync(passwd, '');
    const passwdBinary = findBinary('mosquitto_passwd');
    for (const u of options.users) execFileSync(passwdBinary, ['-b', passwd, u.username, u.password]);
    writeFileSync(
      acl,
      options.users
        .map((u) => [`user ${u.username}`, ...(u.topics ?? ['#']).map((t) => `topic readwrite ${t}`), ''].join('\n'))
        .join('\n'),
    );
    lines.push('allow_anonymous false', `password_file ${passwd}`, `acl_file ${acl}`);
  } else {
    lines.push('allow_anonymous true');
  }
  if (options.tls) lines.push(`certfile ${options.tls.certFile}`, `keyfile ${options.tls.keyFile}`);
  const configFile = join(dataDir, 'mosquitto.conf');
  writeFileSync(configFile, `${lines.join('\n')}\n`);

  let log = '';
  const child: ChildProcess = spawn(binary, ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const append = (chunk: Buffer) => {
    log += chunk.toString();
    if (log.length > 4_000_000) log = log.slice(-2_000_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' ? new Error(MISSING) : err)),
  );
  await Promise.race([
    waitForPort(port, '127.0.0.1', 15_000),
    spawnError,
    exited.then(() => {
      throw new Error(`mosquitto exited at start:\n${log}`);
    }),
  ]);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const self: Mosquitto = {
    url: options.tls ? `mqtts://localhost:${port}` : `mqtt://127.0.0.1:${port}`,
    port,
    dataDir,
    log: () => log,
    stop,
    restart: async () => {
      await stop();
      return startMosquitto({ ...options, port, dataDir });
    },
    destroy: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return self;
}
