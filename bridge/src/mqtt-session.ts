/**
 * The MQTT session: one persistent session (Clean Session = false, QoS 1) held over successive connections, each a
 * fresh MQTT.js client, with exponential backoff between attempts. It hands every PUBLISH to the bridge and sends a
 * PUBACK only when the bridge says so, on the connection the message came in on.
 *
 * ## How PUBACKs are deferred (MQTT.js 5.16.0, pinned in package.json; verified in its source and by
 * test/bridge/ack-mechanism.test.ts against mosquitto)
 * - `handlers/publish.js`, QoS 1: MQTT.js calls `client.handleMessage(packet, cb)`; on `cb()` it sends the PUBACK and
 *   then calls `done` (the pipeline's `nextTickWork`), which handles the next incoming packet. On `cb(err)` it calls
 *   `done(err)` and sends no PUBACK; `nextTickWork` ignores its argument and goes on with the next packet.
 * - So `handleMessage` takes the message and calls `cb(DEFERRED)` (one shared `DeferredAck`) at once: MQTT.js keeps
 *   reading (PINGRESP included, so keepalive works) and never acknowledges. The bridge acknowledges later with
 *   `client._writePacket({cmd: 'puback', messageId})`, after checking that the client is connected and its stream is
 *   the one the message arrived on. `_writePacket` writes to the current stream or nowhere; `_sendPacket` is not used
 *   because, while disconnected, it queues packets and would send an old packet id's PUBACK on the next connection.
 * - `handleMessage` is set before `connect()` (the client is built with `manualConnect`): a resumed session's queued
 *   messages arrive right behind the CONNACK, and any message nothing holds is acknowledged by MQTT.js's default.
 * - Each connection is a new client with `reconnectPeriod: 0`: after a close, old packet ids die with their client and
 *   are never acknowledged; the broker redelivers those messages (DUP set) on the next connection.
 *
 * ## Backpressure
 * When the bridge's window is full, `handleMessage` keeps the PUBLISH and its callback, untaken: MQTT.js's packet pipeline stops, its Writable
 * stops completing writes, `stream.pipe` pauses the socket and TCP flow control holds the broker. The consequence:
 * PINGRESP is not read either, so a stall longer than about 1.5 x keepalive ends in MQTT.js's keepalive timeout and a
 * reconnect (the pending messages are written, never acknowledged, and redelivered). The PUBLISH is taken and its callback
 * released as soon as the window has room; if the connection closes first, it is dropped untaken (the broker
 * redelivers it). Messages of a closed connection stay in the window until written, so the bound holds across
 * reconnects: at most the configured messages, and the configured bytes plus one record.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import mqtt, { MqttClient, type IClientOptions, type IConnackPacket, type IPublishPacket } from 'mqtt';
import { backoffDelay } from './backoff';
import type { MqttConfig } from './config';
import type { CredentialsProvider } from './credentials';
import { BridgeError, DeferredAck } from './errors';
import type { BridgeLogger } from './logger';
import type { SessionMarker } from './session-marker';

/** One network connection of the session. */
export interface Connection {
  /** 1, 2, 3...: the connection's generation. */
  readonly id: number;
  readonly client: MqttClient;
  /** The stream the connection's packets arrive on (`client.stream` when it was opened). */
  stream: unknown;
  /** False once the connection closed: its packet ids mean nothing any more. */
  alive: boolean;
  connackAt?: number;
  subscribedAt?: number;
  /** A PUBLISH held for backpressure (not yet taken), with MQTT.js's callback. */
  held?: { packet: IPublishPacket; callback: (error?: Error) => void };
  /** Why the connection ended, for the log. */
  failure?: string;
  /** True when the failure was the broker refusing the credentials. */
  authFailure?: boolean;
  /** True when the broker reset the connection (ECONNRESET, EPIPE) after its CONNACK: a kick, not a network fault. */
  resetAfterConnack?: boolean;
}

/** What the session asks of the bridge. */
export interface SessionHandler {
  /** True when the bridge's window is full: the next PUBLISH waits (and MQTT.js's pipeline with it). */
  isFull(): boolean;
  /** A QoS 1 PUBLISH arrived on `connection`: the bridge takes it (and acknowledges it later with {@link MqttSession.ack}). */
  onPublish(connection: Connection, packet: IPublishPacket): void;
  /** A QoS 0 PUBLISH arrived (a broker that downgraded the subscription): forwarded, no acknowledgement exists. */
  onUnacknowledgedPublish(packet: IPublishPacket): void;
}

/** Counters and state of the session. */
export interface SessionStats {
  /** Connection attempts started (each TCP/TLS connect). */
  connectAttempts: number;
  /** Connections accepted by the broker after the first. */
  reconnects: number;
  /**
   * CONNACKs that said session present = 0 although the client id held a session before (this process subscribed
   * earlier, or the session marker says an earlier one did): the broker dropped what it had queued.
   */
  sessionsLost: number;
  connected: boolean;
  subscribed: boolean;
  /** Consecutive failed attempts (reset by a connection that stays up). */
  consecutiveFailures: number;
}

/**
 * Turns Nagle's algorithm off on a connection's socket (TCP_NODELAY; a TLS socket passes it to its TCP socket). The
 * PUBACKs of one written batch leave as one segment anyway (mqtt-packet corks the stream until the next tick), but
 * with Nagle on, the PUBACKs of the next batch wait in the kernel until the broker's TCP acknowledgement of the last
 * segment comes back: up to a round trip, or a delayed ACK, on every other batch. On a path with RTT = 30 ms that cost
 * a third of one session's throughput, in some runs and not others (bench/broker-window.ts: 66% of W / (L + RTT)
 * with Nagle on, 97% with it off). MQTT.js does not set it (5.16.0, `lib/connect/tcp.js`, `tls.js`).
 */
function turnNagleOff(stream: unknown): void {
  (stream as { setNoDelay?: (noDelay: boolean) => void } | undefined)?.setNoDelay?.(true);
}

/** The MQTT.js client's private method used to send a PUBACK (see the module comment). */
type PacketWriter = { _writePacket(packet: { cmd: 'puback'; messageId: number }): void };

/** The one error handed to MQTT.js for every deferred PUBACK (only its truthiness matters to publish.js). */
const DEFERRED = new DeferredAck();

/** Auth refusals: MQTT 3.1.1 CONNACK return codes 4, 5; MQTT 5 reason codes 0x86, 0x87, 0x8C. */
const AUTH_REFUSALS = new Set([4, 5, 0x86, 0x87, 0x8c]);

/** The MQTT.js version whose packet pipeline the deferred PUBACK was verified against (see the module comment). */
export const VERIFIED_MQTT_VERSION = '5.16.0';

/** Fails at start, rather than never acknowledging, if MQTT.js lacks what the deferred PUBACK relies on. */
export function assertDeferredAckSupport(): void {
  if (typeof (MqttClient.prototype as unknown as Partial<PacketWriter>)._writePacket !== 'function') {
    throw new BridgeError(
      `MQTT.js ${MqttClient.VERSION} has no _writePacket: the deferred PUBACK was verified on ${VERIFIED_MQTT_VERSION}; pin that version`,
    );
  }
}

/** Holds the MQTT session. */
export class MqttSession {
  readonly stats: SessionStats = {
    connectAttempts: 0,
    reconnects: 0,
    sessionsLost: 0,
    connected: false,
    subscribed: false,
    consecutiveFailures: 0,
  };
  private current: Connection | undefined;
  private generation = 0;
  private everConnected = false;
  /** True once a subscription was granted, by this process or (the marker says) an earlier one. */
  private heldBefore = false;
  private markerRead: Promise<void> | undefined;
  private markerWritten = false;
  private stopped = false;
  private taking = true;
  /** True from SIGTERM on (stopTaking): the session is never reconnected again. */
  private draining = false;
  private connectionEnded: ((why: string) => void) | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private lastPublishAt = 0;
  private readonly ca: string[] | undefined;
  private readonly refusedReported = new Set<string>();

  constructor(
    private readonly config: MqttConfig,
    private readonly credentials: CredentialsProvider,
    private readonly handler: SessionHandler,
    private readonly logger: BridgeLogger,
    private readonly marker?: SessionMarker,
  ) {
    this.ca = config.caFile ? [...rootCertificates, readFileSync(config.caFile, 'utf8')] : undefined;
    assertDeferredAckSupport();
  }

  /** Starts connecting (after reading the session marker); reconnects until {@link stop}. */
  start(): void {
    this.markerRead = this.readMarker();
    this.scheduleConnect(0);
  }

  private async readMarker(): Promise<void> {
    if (!this.marker) {
      this.logger.warn(
        'no session marker (BRIDGE_SESSION_MARKER_SECRET_ID or BRIDGE_SESSION_MARKER_FILE): a session lost across a restart is not counted in SessionsLost',
      );
      return;
    }
    try {
      const held = await this.marker.read();
      this.heldBefore ||= held !== undefined;
      this.markerWritten = held !== undefined;
      this.logger.info(held ? 'this client id has held a session before' : 'this client id has never held a session', {
        marker: this.marker.source,
        ...(held ? { sessionHeldSince: held.sessionHeldSince } : {}),
      });
    } catch (err) {
      // Assume it did: a false page on a feed's first start is better than a lost session that never pages.
      this.heldBefore = true;
      this.logger.error(
        `cannot read the session marker (${this.marker.source}): ${(err as Error).name}: ${(err as Error).message}; assuming this client id held a session before`,
      );
    }
  }

  private writeMarker(): void {
    const marker = this.marker;
    if (!marker || this.markerWritten) return;
    this.markerWritten = true;
    marker.write({ sessionHeldSince: new Date().toISOString(), clientId: this.config.clientId }).then(
      () => this.logger.info('session marker written', { marker: marker.source }),
      (err: unknown) => {
        this.markerWritten = false;
        this.logger.error(
          `cannot write the session marker (${marker.source}): ${(err as Error).name}: ${(err as Error).message}; a later subscription tries again`,
        );
      },
    );
  }

  /** True when connected and every subscription was granted at QoS 1. */
  get ready(): boolean {
    return this.stats.connected && this.stats.subscribed;
  }

  /**
   * Sends the PUBACK of a message, if and only if the connection it arrived on is still the live one.
   * Returns false (and sends nothing) otherwise.
   */
  ack(connection: Connection, messageId: number): boolean {
    const client = connection.client;
    const stream = client.stream as unknown as { destroyed?: boolean; writable?: boolean } | undefined;
    if (
      !connection.alive ||
      connection !== this.current ||
      !client.connected ||
      client.stream !== connection.stream ||
      !stream ||
      stream.destroyed ||
      stream.writable === false
    ) {
      return false;
    }
    (client as unknown as PacketWriter)._writePacket({ cmd: 'puback', messageId });
    return true;
  }

  /** The bridge's window has room again: lets a held PUBLISH go on. */
  resume(): void {
    const conn = this.current;
    const held = conn?.held;
    if (!conn || !held || this.handler.isFull()) return;
    conn.held = undefined;
    this.lastPublishAt = Date.now();
    this.take(conn, held.packet, held.callback);
  }

  /**
   * Stops taking messages (later PUBLISHes are left unacknowledged for the broker to redeliver) and never reconnects
   * again: during a deploy the new task connects with the same client id while this one drains, and a draining bridge
   * that reconnected would take the session back, the two kicking each other off until the old one exits.
   */
  stopTaking(): void {
    this.taking = false;
    this.draining = true;
    clearTimeout(this.reconnectTimer);
  }

  /**
   * Resolves with the reason once the live connection has ended after {@link stopTaking}: at once when there is
   * none. Once it ended, nothing more can be acknowledged (a PUBACK goes only on the connection its message came in
   * on), so a draining bridge stops instead of writing what its successor will receive again.
   */
  whenConnectionEnds(): Promise<string> {
    const conn = this.current;
    if (!conn || !conn.alive) return Promise.resolve('not connected');
    return new Promise((resolve) => {
      const previous = this.connectionEnded;
      this.connectionEnded = (why) => {
        previous?.(why);
        resolve(why);
      };
    });
  }

  /** Disconnects (a DISCONNECT packet; subscriptions and the session stay at the broker) and stops reconnecting. */
  async stop(timeoutMillis = 5_000): Promise<void> {
    this.stopped = true;
    this.taking = false;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.stallTimer);
    const conn = this.current;
    if (!conn || !conn.alive) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        conn.client.end(true);
        resolve();
      }, timeoutMillis);
      conn.client.end(false, {}, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.closed(conn);
  }

  private scheduleConnect(delay: number): void {
    if (this.stopped || this.draining) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.open(), delay);
  }

  private async open(): Promise<void> {
    if (this.stopped || this.draining) return;
    // The CONNACK is judged against the marker, so it must be known first (read once; it never rejects).
    await this.markerRead;
    if (this.stopped || this.draining) return;
    this.stats.connectAttempts += 1;
    let credentials;
    try {
      credentials = await this.credentials.get();
    } catch (err) {
      this.failed(`cannot get the MQTT credentials: ${(err as Error).message}`);
      return;
    }
    if (this.stopped) return;
    const v5 = this.config.protocolVersion === 5;
    const options: IClientOptions = {
      manualConnect: true,
      protocol: this.config.tls ? 'mqtts' : 'mqtt',
      host: this.config.host,
      port: this.config.port,
      clientId: this.config.clientId,
      clean: false,
      protocolVersion: this.config.protocolVersion,
      keepalive: this.config.keepaliveSeconds,
      connectTimeout: this.config.connectTimeoutMillis,
      reconnectPeriod: 0,
      resubscribe: false,
      rejectUnauthorized: true,
      ...(this.ca ? { ca: this.ca } : {}),
      ...(credentials ? { username: credentials.username, password: credentials.password } : {}),
      ...(v5
        ? {
            properties: {
              sessionExpiryInterval: this.config.sessionExpirySeconds,
              receiveMaximum: this.config.receiveMaximum,
            },
          }
        : {}),
    };
    let client: MqttClient;
    try {
      client = mqtt.connect(options);
    } catch (err) {
      this.failed(`cannot create the MQTT client: ${(err as Error).message}`);
      return;
    }
    const conn: Connection = { id: ++this.generation, client, stream: undefined, alive: true };
    this.current = conn;
    // Set before connect(): nothing may reach MQTT.js's default handler, which acknowledges on receipt.
    client.handleMessage = (packet, callback) => this.onPacket(conn, packet, callback);
    client.on('connect', (connack) => this.onConnack(conn, connack));
    client.on('error', (err: Error & { code?: number | string }) => this.onError(conn, err));
    client.on('disconnect', (packet) => {
      conn.failure ??= `the broker sent DISCONNECT (reason code ${packet.reasonCode ?? 'none'})`;
    });
    client.on('close', () => this.closed(conn));
    client.connect();
    conn.stream = client.stream;
    turnNagleOff(client.stream);
  }

  private onPacket(conn: Connection, packet: IPublishPacket, callback: (error?: Error) => void): void {
    if (!conn.alive || conn !== this.current || !this.taking) {
      // Not taken: no PUBACK; the broker redelivers it on a later connection.
      callback(DEFERRED);
      return;
    }
    this.lastPublishAt = Date.now();
    if (packet.qos !== 1 || packet.messageId === undefined) {
      this.handler.onUnacknowledgedPublish(packet);
      callback();
      return;
    }
    // Checked before taking: messages held by a closed connection keep counting, so the bound holds across reconnects.
    if (this.handler.isFull()) {
      conn.held = { packet, callback };
      return;
    }
    this.take(conn, packet, callback);
  }

  private take(conn: Connection, packet: IPublishPacket, callback: (error?: Error) => void): void {
    this.handler.onPublish(conn, packet);
    callback(DEFERRED);
  }

  private onConnack(conn: Connection, connack: IConnackPacket): void {
    if (conn !== this.current || !conn.alive) return;
    if (this.config.protocolVersion === 5 && !this.brokerGrants(conn, connack)) return;
    conn.connackAt = Date.now();
    this.stats.connected = true;
    const first = !this.everConnected;
    this.everConnected = true;
    if (!first) this.stats.reconnects += 1;
    const sessionPresent = connack.sessionPresent === true;
    if (!sessionPresent && this.heldBefore) {
      this.stats.sessionsLost += 1;
      this.logger.warn(
        `the broker kept no session (CONNACK session present = 0) on ${first ? "this process's first connection, although this client id held one before" : 'reconnect'}: messages queued while disconnected may be lost`,
        { connection: conn.id, sessionsLost: this.stats.sessionsLost },
      );
    } else {
      const fields = {
        connection: conn.id,
        sessionPresent,
        url: this.config.url,
        protocolVersion: this.config.protocolVersion,
      };
      if (sessionPresent) this.logger.info('connected; session resumed', fields);
      // The feed's very first connection: nothing was queued for it, nothing lost.
      else this.logger.info('connected; the broker starts the first session of this client id', fields);
    }
    this.lastPublishAt = Date.now();
    this.armStallTimer(conn);
    const filters = this.config.topics;
    // One SUBSCRIBE for all filters: its SUBACK has one code per filter, in order (MQTT 3.1.1, 3.9.3).
    conn.client.subscribe([...filters], { qos: 1 }, (err, _subs, suback) => {
      if (conn !== this.current || !conn.alive) return;
      const refused: string[] = [];
      const codes = (suback as { granted?: number[] } | undefined)?.granted ?? [];
      const byFilter = new Map(filters.map((f, i) => [f, codes[i]]));
      for (const filter of filters) {
        const qos = byFilter.get(filter);
        if (qos === 1 || qos === 2) {
          this.refusedReported.delete(filter);
          continue;
        }
        refused.push(filter);
        if (!this.refusedReported.has(filter)) {
          this.refusedReported.add(filter);
          this.logger.error(
            qos === 0
              ? `subscription to ${JSON.stringify(filter)} granted only at QoS 0: readings could be lost; check the broker's settings for this client`
              : `subscription to ${JSON.stringify(filter)} refused by the broker (SUBACK ${qos === undefined ? 'missing' : `0x${qos.toString(16)}`}): the filter is outside what this client may read; fix MQTT_TOPICS or the broker's ACL`,
            { filter, connection: conn.id },
          );
        }
      }
      if (err && refused.length === 0) {
        conn.failure = `SUBSCRIBE failed: ${err.message}`;
        conn.client.end(true);
        return;
      }
      if (refused.length > 0) {
        conn.failure = `subscription refused for ${refused.map((f) => JSON.stringify(f)).join(', ')}`;
        conn.client.end(true);
        return;
      }
      conn.subscribedAt = Date.now();
      this.stats.subscribed = true;
      // From here on the broker queues for this client id: a session present = 0 later means a loss.
      this.heldBefore = true;
      this.writeMarker();
      this.logger.info('subscribed', { filters, connection: conn.id });
    });
  }

  /**
   * Logs what an MQTT 5 broker grants in its CONNACK (MQTT 5, 3.2.2.3: absent properties mean their defaults), and
   * refuses a shared subscription the broker says it does not offer. Returns false when the connection is ended.
   */
  private brokerGrants(conn: Connection, connack: IConnackPacket): boolean {
    const p = connack.properties ?? {};
    const granted = {
      clientId: this.config.clientId,
      connection: conn.id,
      // 65,535 when absent
      receiveMaximum: p.receiveMaximum ?? 65_535,
      // available unless the broker says 0
      sharedSubscriptionAvailable: p.sharedSubscriptionAvailable !== false,
      // no limit when absent
      maximumPacketSize: p.maximumPacketSize ?? 'no limit',
      // the broker may shorten the session expiry the bridge asked for; absent: the one asked for
      sessionExpirySeconds: p.sessionExpiryInterval ?? this.config.sessionExpirySeconds,
      requestedSessionExpirySeconds: this.config.sessionExpirySeconds,
    };
    this.logger.info('the broker grants (CONNACK properties)', granted);
    const shared = this.config.topics.filter((t) => t.startsWith('$share/'));
    if (shared.length > 0 && !granted.sharedSubscriptionAvailable) {
      conn.failure = `the broker offers no shared subscriptions (CONNACK Shared Subscription Available = 0), so ${shared.map((t) => JSON.stringify(t)).join(', ')} cannot be subscribed: unset MQTT_SHARED_GROUP and split the feed with MQTT_LANE_TOPICS`;
      this.logger.error(conn.failure, { clientId: this.config.clientId, connection: conn.id });
      conn.client.end(true);
      return false;
    }
    if (granted.sessionExpirySeconds < this.config.sessionExpirySeconds) {
      this.logger.warn(
        `the broker keeps this session only ${granted.sessionExpirySeconds} s after a disconnect (asked for ${this.config.sessionExpirySeconds} s): an outage longer than that loses the messages queued meanwhile`,
        { clientId: this.config.clientId, connection: conn.id },
      );
    }
    return true;
  }

  private onError(conn: Connection, err: Error & { code?: number | string }): void {
    if (typeof err.code === 'number' && !conn.connackAt && /Connection refused/.test(err.message)) {
      conn.authFailure = AUTH_REFUSALS.has(err.code);
      conn.failure = conn.authFailure
        ? `the broker refused the credentials (${err.message}, code ${err.code}); credentials from ${this.credentials.source}`
        : `the broker refused the connection: ${err.message} (code ${err.code})`;
      return;
    }
    if (typeof err.code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS/.test(err.code)) {
      conn.failure = `TLS: the broker's certificate was not verified (${err.code}: ${err.message}); trust its CA with MQTT_CA_FILE if it is private`;
      return;
    }
    // A broker that kicks a client under load may reset the connection instead of closing it: the same kick, so the
    // same diagnosis (see closed()), not a bare socket error.
    if ((err.code === 'ECONNRESET' || err.code === 'EPIPE') && conn.connackAt !== undefined && !conn.failure) {
      conn.resetAfterConnack = true;
      return;
    }
    conn.failure ??= `${err.message}${err.code !== undefined ? ` (${err.code})` : ''}`;
  }

  private armStallTimer(conn: Connection): void {
    clearTimeout(this.stallTimer);
    const limit = this.config.stallTimeoutSeconds * 1000;
    if (limit <= 0 || this.stopped) return;
    this.stallTimer = setTimeout(
      () => {
        if (conn !== this.current || !conn.alive) return;
        const quiet = Date.now() - this.lastPublishAt;
        // A connection held by backpressure is quiet because of the bridge, not the broker.
        if (conn.held === undefined && quiet >= limit) {
          conn.failure = `no message for ${Math.round(quiet / 1000)} s (MQTT_STALL_TIMEOUT_SECONDS=${this.config.stallTimeoutSeconds}): reconnecting`;
          conn.client.end(true);
          return;
        }
        this.armStallTimer(conn);
      },
      Math.max(1000, Math.min(limit, limit - (Date.now() - this.lastPublishAt))),
    );
    this.stallTimer.unref();
  }

  private closed(conn: Connection): void {
    if (!conn.alive) return;
    conn.alive = false;
    const held = conn.held;
    conn.held = undefined;
    // Not taken (its packet id dies with the connection; the broker redelivers it). Releasing the callback lets the
    // dead pipeline run out: MQTT.js drops the queued packets of a superseded connection.
    held?.callback(DEFERRED);
    if (conn !== this.current) return;
    this.stats.connected = false;
    this.stats.subscribed = false;
    clearTimeout(this.stallTimer);
    if (this.draining && !this.stopped) {
      // No reconnect after SIGTERM: whoever ended it (most likely the new task taking the session) keeps it.
      conn.client.end(true);
      const why =
        conn.failure ??
        (conn.resetAfterConnack
          ? 'the broker reset the connection'
          : 'the broker closed the connection (the next task took the session?)');
      const ended = this.connectionEnded;
      this.connectionEnded = undefined;
      ended?.(why);
      return;
    }
    if (this.stopped) return;
    conn.client.end(true);
    const now = Date.now();
    const lasted = conn.connackAt ? now - conn.connackAt : 0;
    const stable = conn.subscribedAt !== undefined && lasted >= this.config.stableConnectionMillis;
    if (stable && !conn.failure?.startsWith('subscription refused')) {
      this.stats.consecutiveFailures = 0;
      const delay = backoffDelay(1, this.backoff());
      const lost = conn.failure ?? (conn.resetAfterConnack ? 'the broker reset the connection (ECONNRESET)' : 'closed');
      this.logger.warn(`connection lost: ${lost}; reconnecting in ${delay} ms`, {
        connection: conn.id,
        lastedMillis: lasted,
      });
      this.scheduleConnect(delay);
      return;
    }
    let why = conn.failure ?? 'the connection closed';
    if (conn.connackAt && !conn.failure) {
      why = `the broker ${conn.resetAfterConnack ? 'reset' : 'closed'} the connection ${lasted} ms after ${conn.subscribedAt ? 'SUBACK' : 'CONNACK'} (not authorised for a filter, or another client with the same MQTT_CLIENT_ID?)`;
    }
    if (conn.authFailure) this.credentials.invalidate();
    this.failed(why, conn.id);
  }

  private failed(why: string, connection?: number): void {
    this.stats.consecutiveFailures += 1;
    const delay = backoffDelay(this.stats.consecutiveFailures, this.backoff());
    this.logger.error(
      `cannot hold the MQTT session: ${why}; attempt ${this.stats.consecutiveFailures} failed, next in ${delay} ms`,
      {
        connection,
        consecutiveFailures: this.stats.consecutiveFailures,
        nextAttemptMillis: delay,
      },
    );
    this.scheduleConnect(delay);
  }

  private backoff() {
    return { minMillis: this.config.reconnectMinMillis, maxMillis: this.config.reconnectMaxMillis };
  }
}
