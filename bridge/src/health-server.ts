/**
 * The health endpoints, for the ECS container health check, the local runner and the test suites:
 * - `GET /healthz`: 200 while the process runs (liveness).
 * - `GET /readyz`: 200 when connected and every subscription is granted, else 503.
 * - `GET /status`: 200 with the {@link BridgeStatus} JSON (field names are a contract: docs/bridge.md).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The JSON of `/status`. Counters are cumulative since the process started. */
export interface BridgeStatus {
  /** QoS 1 and 0 PUBLISH packets received (redeliveries included). */
  readonly received: number;
  /** Records Kinesis accepted. */
  readonly written: number;
  /** PUBACKs sent. */
  readonly acked: number;
  /** Messages received and not yet acknowledged (or dropped after their connection closed). */
  readonly pending: number;
  /** Bytes of stream records held for the pending messages. */
  readonly pendingBytes: number;
  /** Age of the oldest pending message, in milliseconds. */
  readonly oldestPendingAgeMillis: number;
  /** Messages written after their connection closed: not acknowledged, redelivered by the broker. */
  readonly notAcked: number;
  /** Connections accepted after the first. */
  readonly reconnects: number;
  /** Reconnects that found no session at the broker. */
  readonly sessionsLost: number;
  /** Connection attempts, successful or not. */
  readonly connectAttempts: number;
  /** Consecutive failed connection attempts. */
  readonly consecutiveFailures: number;
  /** PutRecords entries retried. */
  readonly putRecordsRetries: number;
  readonly connected: boolean;
  readonly subscribed: boolean;
  /** `starting`, `running` or `stopping`. */
  readonly state: 'starting' | 'running' | 'stopping';
  /** Each lane's session, when the bridge holds several (`connected` and `subscribed` above are all lanes'). */
  readonly lanes?: readonly {
    readonly clientId: string;
    readonly connected: boolean;
    readonly subscribed: boolean;
    readonly reconnects: number;
    readonly sessionsLost: number;
  }[];
  /** Resident set size, in bytes. */
  readonly rssBytes: number;
  readonly uptimeMillis: number;
}

/** A running health server. */
export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the health server on `port` (0 = a free port), all interfaces. */
export async function startHealthServer(port: number, status: () => BridgeStatus): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { error: 'only GET' });
    if (path === '/healthz') return send(200, { ok: true });
    if (path === '/readyz') {
      const s = status();
      const ready = s.connected && s.subscribed && s.state === 'running';
      return send(ready ? 200 : 503, { ready, connected: s.connected, subscribed: s.subscribed, state: s.state });
    }
    if (path === '/status') return send(200, status());
    return send(404, { error: 'not found: try /healthz, /readyz or /status' });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
