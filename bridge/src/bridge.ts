/**
 * The bridge: the feed's MQTT sessions (one per lane, each with its own client id; one lane unless configured) feeding
 * one Kinesis sink through one bounded acknowledgement window. A message's PUBACK goes out only after its record is
 * in Kinesis, in receive order, on the connection (and so the lane) it came in on (see `mqtt-session.ts` for the
 * mechanism and `ack-window.ts` for the order). The window bounds all lanes together; each lane holds, loses and
 * detects its session on its own.
 */
import type { IPublishPacket } from 'mqtt';
import { encodeStreamRecord } from '../../core';
import { AckWindow, type Delivery } from './ack-window';
import type { BridgeConfig } from './config';
import type { CredentialsProvider } from './credentials';
import { startHealthServer, type BridgeStatus, type HealthServer } from './health-server';
import { createKinesisClient, KinesisSink, type RecordSink, type SinkStats } from './kinesis-sink';
import type { BridgeLogger } from './logger';
import { BridgeMetrics } from './metrics';
import { MqttSession, type Connection } from './mqtt-session';
import { fileSessionMarker, secretSessionMarker, type SessionMarker } from './session-marker';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { KinesisClient } from '@aws-sdk/client-kinesis';

/** What a bridge is built from; everything but the config has a default or is injectable for tests and benchmarks. */
export interface BridgeDeps {
  readonly logger: BridgeLogger;
  readonly credentials: CredentialsProvider;
  /** @default - a client from `createKinesisClient()` (HTTP/1.1 keep-alive) */
  readonly kinesisClient?: KinesisClient;
  /** @default - a {@link KinesisSink} on `kinesisClient`; a benchmark may pass an in-memory sink */
  readonly sink?: (
    onWritten: (tokens: Array<Delivery<Connection> | undefined>) => void,
  ) => RecordSink<Delivery<Connection> | undefined>;
  /** Where EMF lines go. @default - stdout */
  readonly writeMetrics?: (line: string) => void;
  /**
   * Where the bridge records that its client id has held a session.
   * @default - from `config.sessionMarker`: a file marker, or a secret marker on a default Secrets Manager client; none when unset
   */
  readonly sessionMarker?: SessionMarker;
}

/** A running bridge. */
export class Bridge {
  private readonly window: AckWindow<Connection>;
  private readonly sink: RecordSink<Delivery<Connection> | undefined>;
  private readonly sinkStats: SinkStats | undefined;
  private readonly sessions: readonly MqttSession[];
  /** The lane each connection belongs to, for its PUBACKs. */
  private readonly laneOf = new WeakMap<Connection, MqttSession>();
  private readonly metrics: BridgeMetrics;
  private health: HealthServer | undefined;
  private state: BridgeStatus['state'] = 'starting';
  private readonly startedAt = Date.now();
  private readonly counters = { received: 0, written: 0, acked: 0, notAcked: 0 };
  private stopping: Promise<void> | undefined;

  constructor(
    readonly config: BridgeConfig,
    private readonly deps: BridgeDeps,
  ) {
    this.window = new AckWindow(config.maxPendingMessages, config.maxPendingBytes);
    const onWritten = (tokens: Array<Delivery<Connection> | undefined>) => this.onWritten(tokens);
    if (deps.sink) {
      this.sink = deps.sink(onWritten);
    } else {
      const sink = new KinesisSink<Delivery<Connection> | undefined>({
        client:
          deps.kinesisClient ??
          createKinesisClient(config.kinesis.requestTimeoutMillis, config.kinesis.maxCallsInFlight),
        streamName: config.kinesis.streamName,
        maxBatchRecords: config.kinesis.maxBatchRecords,
        maxBatchBytes: config.kinesis.maxBatchBytes,
        lingerMillis: config.kinesis.lingerMillis,
        maxCallsInFlight: config.kinesis.maxCallsInFlight,
        retryMinMillis: config.kinesis.retryMinMillis,
        retryMaxMillis: config.kinesis.retryMaxMillis,
        logger: deps.logger,
        onWritten,
      });
      this.sink = sink;
      this.sinkStats = sink.stats;
    }
    // one marker for the feed: it says whether the feed's client ids held sessions before (lanes start together)
    const marker = deps.sessionMarker ?? sessionMarkerFor(config);
    this.sessions = config.lanes.map((lane) => {
      const session: MqttSession = new MqttSession(
        { ...config.mqtt, clientId: lane.clientId, topics: lane.topics },
        deps.credentials,
        {
          isFull: () => this.window.full,
          onPublish: (conn, packet) => {
            this.laneOf.set(conn, session);
            this.onPublish(conn, packet);
          },
          onUnacknowledgedPublish: (packet) => this.onUnacknowledgedPublish(packet),
        },
        deps.logger,
        marker,
      );
      return session;
    });
    this.metrics = new BridgeMetrics(
      {
        counters: () => ({
          received: this.counters.received,
          written: this.counters.written,
          putRecordsRetries: this.sinkStats?.retriedEntries ?? 0,
          reconnects: this.sum((st) => st.reconnects),
          sessionsLost: this.sum((st) => st.sessionsLost),
        }),
        gauges: () => ({
          connected: this.sessions.every((x) => x.ready),
          pending: this.window.pendingMessages,
          oldestPendingAgeMillis: this.window.oldestAgeMillis(Date.now()),
        }),
      },
      config.mqtt.clientId,
      deps.writeMetrics,
    );
  }

  /** The port of the health server (useful when HEALTH_PORT is 0). */
  get healthPort(): number | undefined {
    return this.health?.port;
  }

  /** Starts the health server, the metrics and the session. */
  async start(): Promise<void> {
    this.health = await startHealthServer(this.config.healthPort, () => this.status());
    this.metrics.start(this.config.metricsIntervalMillis);
    this.state = 'running';
    for (const session of this.sessions) session.start();
    this.deps.logger.info('bridge started', {
      url: this.config.mqtt.url,
      clientId: this.config.mqtt.clientId,
      topics: this.config.mqtt.topics,
      lanes: this.config.lanes.map((l) => ({ clientId: l.clientId, topics: l.topics })),
      protocolVersion: this.config.mqtt.protocolVersion,
      streamName: this.config.kinesis.streamName,
      credentials: this.deps.credentials.source,
      healthPort: this.health.port,
      maxPendingMessages: this.config.maxPendingMessages,
      maxPendingBytes: this.config.maxPendingBytes,
    });
  }

  /**
   * Stops: takes no more messages, writes what it holds, acknowledges it, disconnects without unsubscribing.
   * Resolves within `shutdownTimeoutMillis`; whatever was not written by then stays unacknowledged at the broker.
   */
  stop(reason = 'stop requested'): Promise<void> {
    this.stopping ??= this.doStop(reason);
    return this.stopping;
  }

  private async doStop(reason: string): Promise<void> {
    const deadline = Date.now() + this.config.shutdownTimeoutMillis;
    this.state = 'stopping';
    this.deps.logger.info(`stopping: ${reason}`, { pending: this.window.pendingMessages });
    // From here on no lane reconnects (see MqttSession.stopTaking).
    for (const session of this.sessions) session.stopTaking();
    // Once every lane's connection has ended, nothing more can be acknowledged.
    const ended = Promise.all(this.sessions.map((session) => session.whenConnectionEnds())).then((whys) => ({
      kind: 'ended' as const,
      why: [...new Set(whys)].join('; '),
    }));
    // Leave time for the DISCONNECT and the health server after the flush.
    const flushed = this.sink
      .drain(Math.max(0, deadline - Date.now() - 1_000))
      .then((ok) => ({ kind: 'drained' as const, ok }));
    const outcome = await Promise.race([flushed, ended]);
    if (outcome.kind === 'ended') {
      // Nothing more can be acknowledged: writing the rest would only duplicate what the broker redelivers to the
      // session's next holder. Stop now; what was not acknowledged stays at the broker.
      this.deps.logger.warn(
        `the connection ended while draining (${outcome.why}): stopping at once; messages not acknowledged stay at the broker for the next holder of the session`,
        { pending: this.window.pendingMessages },
      );
    } else if (!outcome.ok) {
      this.deps.logger.warn('shutdown timeout: some records were not written; their messages stay unacknowledged', {
        pending: this.window.pendingMessages,
      });
    }
    const disconnectMillis = Math.max(100, Math.min(2_000, deadline - Date.now() - 200));
    await Promise.all(this.sessions.map((session) => session.stop(disconnectMillis)));
    this.sink.close();
    this.metrics.stop();
    this.metrics.emit();
    await this.health?.close();
    this.deps.logger.info('stopped', { ...this.status() });
  }

  /** The JSON of `/status`. */
  status(): BridgeStatus {
    const all = this.sessions.map((x) => x.stats);
    const s = {
      reconnects: this.sum((st) => st.reconnects),
      sessionsLost: this.sum((st) => st.sessionsLost),
      connectAttempts: this.sum((st) => st.connectAttempts),
      consecutiveFailures: Math.max(...all.map((st) => st.consecutiveFailures)),
      connected: all.every((st) => st.connected),
      subscribed: all.every((st) => st.subscribed),
    };
    return {
      received: this.counters.received,
      written: this.counters.written,
      acked: this.counters.acked,
      pending: this.window.pendingMessages,
      pendingBytes: this.window.pendingBytes,
      oldestPendingAgeMillis: this.window.oldestAgeMillis(Date.now()),
      notAcked: this.counters.notAcked,
      reconnects: s.reconnects,
      sessionsLost: s.sessionsLost,
      connectAttempts: s.connectAttempts,
      consecutiveFailures: s.consecutiveFailures,
      putRecordsRetries: this.sinkStats?.retriedEntries ?? 0,
      connected: s.connected,
      subscribed: s.subscribed,
      state: this.state,
      ...(this.sessions.length > 1
        ? {
            lanes: this.sessions.map((x, i) => ({
              clientId: this.config.lanes[i]?.clientId ?? '',
              connected: x.stats.connected,
              subscribed: x.stats.subscribed,
              reconnects: x.stats.reconnects,
              sessionsLost: x.stats.sessionsLost,
            })),
          }
        : {}),
      rssBytes: process.memoryUsage.rss(),
      uptimeMillis: Date.now() - this.startedAt,
    };
  }

  private onPublish(conn: Connection, packet: IPublishPacket): void {
    this.counters.received += 1;
    const receivedAt = Date.now();
    const record = encodeStreamRecord({
      topic: packet.topic,
      payload: packet.payload as Buffer,
      receivedAt: new Date(receivedAt),
      dup: packet.dup === true,
    });
    const bytes = record.data.byteLength + record.partitionKey.length;
    const delivery = this.window.add(conn, packet.messageId as number, bytes, receivedAt);
    this.sink.put(record, delivery);
  }

  private onUnacknowledgedPublish(packet: IPublishPacket): void {
    this.counters.received += 1;
    const record = encodeStreamRecord({
      topic: packet.topic,
      payload: packet.payload as Buffer,
      receivedAt: new Date(),
      dup: packet.dup === true,
    });
    this.sink.put(record, undefined);
  }

  private onWritten(tokens: Array<Delivery<Connection> | undefined>): void {
    this.counters.written += tokens.length;
    const now = Date.now();
    const deliveries: Delivery<Connection>[] = [];
    for (const t of tokens) {
      if (!t) continue;
      deliveries.push(t);
      this.metrics.recordLatency(now - t.receivedAt);
    }
    // PUBACKs must go out in the order the PUBLISHes came in (MQTT 3.1.1, 4.6): the window releases them so.
    for (const d of this.window.markWritten(deliveries)) {
      if (this.laneOf.get(d.connection)?.ack(d.connection, d.messageId)) this.counters.acked += 1;
      else this.counters.notAcked += 1;
    }
    for (const session of this.sessions) session.resume();
  }

  /** A session counter summed over the lanes. */
  private sum(of: (stats: MqttSession['stats']) => number): number {
    return this.sessions.reduce((total, x) => total + of(x.stats), 0);
  }
}

/** The session marker a configuration names, or undefined. */
export function sessionMarkerFor(
  config: BridgeConfig,
  secretsClient: () => SecretsManagerClient = () => new SecretsManagerClient({}),
): SessionMarker | undefined {
  const where = config.sessionMarker;
  if (where === undefined) return undefined;
  return 'file' in where ? fileSessionMarker(where.file) : secretSessionMarker(where.secretId, secretsClient());
}
