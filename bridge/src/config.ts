/**
 * The bridge's configuration: every environment variable is read here, once, and validated at start. Each problem
 * becomes one line naming the variable, the value received and what is allowed; the password is never echoed.
 * The table of variables and defaults is in docs/bridge.md; {@link DEFAULTS} is the single source of the defaults.
 */
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { laneClientIds, MAX_LANES, SHARED_GROUP_NAME, validateSubscriptionFilter } from '../../core';
import { ConfigError } from './errors';
import { LOG_LEVELS, type LogLevel } from './logger';

/** Kinesis's limits on one PutRecords call. */
export const PUT_RECORDS_MAX_RECORDS = 500;
export const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;

/** The validated configuration of one bridge. */
export interface BridgeConfig {
  readonly mqtt: MqttConfig;
  /** The feed's sessions (at least one); each runs with `mqtt` but its own client id and filters. */
  readonly lanes: readonly LaneConfig[];
  /** MQTT 5 shared subscription group of every lane, when the feed is split that way. */
  readonly sharedGroup?: string;
  readonly kinesis: KinesisConfig;
  /** Most messages received and not yet acknowledged (all connections together). */
  readonly maxPendingMessages: number;
  /** Most bytes of stream records received and not yet acknowledged. */
  readonly maxPendingBytes: number;
  /** HTTP port of /healthz, /readyz and /status; 0 picks a free one. */
  readonly healthPort: number;
  readonly metricsIntervalMillis: number;
  readonly shutdownTimeoutMillis: number;
  readonly logLevel: LogLevel;
  /** Where the bridge records that its client id has held a session (see `session-marker.ts`); absent: nowhere. */
  readonly sessionMarker?: { readonly secretId: string } | { readonly file: string };
}

/** How to reach and hold the MQTT session. */
export interface MqttConfig {
  /** `mqtts://host[:port]` (or `mqtt://` for a loopback host), without credentials. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly clientId: string;
  readonly topics: readonly string[];
  readonly protocolVersion: 4 | 5;
  /** Static credentials; absent when a secret is used or a loopback broker needs none. */
  readonly username?: string;
  readonly password?: string;
  readonly credentialsSecretId?: string;
  /** An extra CA certificate (PEM) trusted in addition to the system roots. */
  readonly caFile?: string;
  readonly keepaliveSeconds: number;
  readonly connectTimeoutMillis: number;
  readonly reconnectMinMillis: number;
  readonly reconnectMaxMillis: number;
  /** A connection that lasts this long resets the reconnect backoff; a shorter one counts as a failed attempt. */
  readonly stableConnectionMillis: number;
  /** Reconnect when no message arrives for this long; 0 = off. */
  readonly stallTimeoutSeconds: number;
  /** MQTT 5 only: session expiry interval sent in CONNECT. */
  readonly sessionExpirySeconds: number;
  /** MQTT 5 only: receive maximum sent in CONNECT (the broker's in-flight limit towards the bridge). */
  readonly receiveMaximum: number;
}

/** One lane: one MQTT session of the feed. */
export interface LaneConfig {
  /** The lane's own stable client id: MQTT_CLIENT_ID with one lane, `<MQTT_CLIENT_ID>-<n>` with several. */
  readonly clientId: string;
  /** The filters the lane subscribes to (`$share/<group>/<filter>` on a shared subscription). */
  readonly topics: readonly string[];
}

/** Where and how records are written. */
export interface KinesisConfig {
  readonly streamName: string;
  readonly maxBatchRecords: number;
  readonly maxBatchBytes: number;
  /** How long a record may wait for a batch to fill while no PutRecords call is in flight. */
  readonly lingerMillis: number;
  /** Most PutRecords calls in flight at once (one while Kinesis is failing). */
  readonly maxCallsInFlight: number;
  readonly retryMinMillis: number;
  readonly retryMaxMillis: number;
  readonly requestTimeoutMillis: number;
}

/**
 * PutRecords calls a full window is split into by default. With a window of W pending messages, batches of W / 4 keep
 * about four calls in flight: while one call's messages are refilled (PUBACKs out, the broker sends, the bridge
 * encodes), the other three are waiting on Kinesis, so the refill overlaps the wait instead of adding to it. Measured
 * at W = 1000, L = 20 ms (the ack-window benchmark's W = 1000 case, three rounds each): batches of 500 ran at 66-70%
 * of min(W, 1000) / L, 334 at 72-75%, 250 at 77-80%, 200 at 74-80%, 125 at 62-63% (more calls, more PUBACK segments,
 * more broker wake-ups).
 */
export const CALLS_PER_WINDOW = 4;

/** The default records per PutRecords call: a quarter of the window, at most 500. */
export function defaultBatchRecords(maxPendingMessages: number): number {
  return Math.max(1, Math.min(PUT_RECORDS_MAX_RECORDS, Math.ceil(maxPendingMessages / CALLS_PER_WINDOW)));
}

/** Every default, in one place. */
export const DEFAULTS = {
  MQTT_PROTOCOL_VERSION: 4,
  HEALTH_PORT: 8080,
  BRIDGE_MAX_PENDING_MESSAGES: 10_000,
  BRIDGE_MAX_PENDING_BYTES: 32 * 1024 * 1024,
  BRIDGE_LINGER_MILLIS: 0,
  BRIDGE_MAX_BATCH_BYTES: PUT_RECORDS_MAX_BYTES,
  BRIDGE_MAX_CALLS_IN_FLIGHT: 8,
  BRIDGE_RETRY_MIN_MILLIS: 100,
  BRIDGE_RETRY_MAX_MILLIS: 5_000,
  BRIDGE_REQUEST_TIMEOUT_MILLIS: 10_000,
  BRIDGE_SHUTDOWN_TIMEOUT_MILLIS: 25_000,
  MQTT_KEEPALIVE_SECONDS: 60,
  MQTT_CONNECT_TIMEOUT_MILLIS: 30_000,
  MQTT_RECONNECT_MIN_MILLIS: 1_000,
  MQTT_RECONNECT_MAX_MILLIS: 60_000,
  MQTT_STABLE_CONNECTION_MILLIS: 30_000,
  MQTT_STALL_TIMEOUT_SECONDS: 0,
  MQTT_SESSION_EXPIRY_SECONDS: 7 * 24 * 3600,
  METRICS_INTERVAL_MILLIS: 60_000,
  LOG_LEVEL: 'INFO',
} as const satisfies Record<string, number | string>;

/** The most lanes (sessions) one bridge holds (`core/lanes.ts`, the CDK app checks the same). */
export { MAX_LANES };

/** The most a MQTT 5 receive maximum can be. */
const MAX_RECEIVE_MAXIMUM = 65_535;

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the configuration; throws a {@link ConfigError} listing every problem. */
export function loadConfig(env: Env = process.env): BridgeConfig {
  const problems: string[] = [];
  const str = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const required = (name: string, what: string): string => {
    const v = str(name);
    if (v === undefined) problems.push(`${name} is required: ${what}`);
    return v ?? '';
  };
  const int = (name: string, min: number, max: number, fallback?: number): number => {
    const raw = str(name);
    const def = fallback ?? ((DEFAULTS as Record<string, number | string>)[name] as number);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
      return def;
    }
    return n;
  };

  // MQTT_URL
  const rawUrl = required('MQTT_URL', 'the broker, e.g. mqtts://mqtt.example.com:8883');
  let host = '';
  let port = 0;
  let tls = true;
  let url = '';
  if (rawUrl) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(rawUrl);
    } catch {
      problems.push(`MQTT_URL must be a URL like mqtts://host:8883, got ${JSON.stringify(redactUrl(rawUrl))}`);
    }
    if (parsed) {
      const shown = JSON.stringify(redactUrl(rawUrl));
      host = parsed.hostname.replace(/^\[|\]$/g, '');
      tls = parsed.protocol === 'mqtts:';
      if (parsed.protocol !== 'mqtts:' && parsed.protocol !== 'mqtt:') {
        problems.push(`MQTT_URL must use mqtts:// (or mqtt:// for a loopback host), got ${shown}`);
      } else if (!tls && !isLoopbackHost(host)) {
        problems.push(
          `MQTT_URL may use plain mqtt:// only for a loopback host (127.0.0.0/8, ::1, localhost), got ${shown}: use mqtts://`,
        );
      }
      if (parsed.username || parsed.password) {
        problems.push(`MQTT_URL must not hold credentials, got ${shown}: use MQTT_USERNAME and MQTT_PASSWORD`);
      }
      if ((parsed.pathname && parsed.pathname !== '/') || parsed.search || parsed.hash) {
        problems.push(`MQTT_URL must have no path, query or fragment, got ${shown}`);
      }
      if (!host) problems.push(`MQTT_URL names no host, got ${shown}`);
      port = parsed.port ? Number(parsed.port) : tls ? 8883 : 1883;
      url = `${tls ? 'mqtts' : 'mqtt'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    }
  }

  const clientId = required('MQTT_CLIENT_ID', 'a fixed client id, unique to this feed (the broker keeps its session)');
  if (
    clientId &&
    (Buffer.byteLength(clientId) > 65_535 ||
      [...clientId].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f))
  ) {
    problems.push(`MQTT_CLIENT_ID must be printable and under 65536 bytes, got ${JSON.stringify(clientId)}`);
  }

  const rawLaneTopics = str('MQTT_LANE_TOPICS');
  const rawTopics =
    rawLaneTopics === undefined
      ? required('MQTT_TOPICS', 'comma-separated subscription filters, e.g. meters/outbound/<customer>/#')
      : (str('MQTT_TOPICS') ?? '');
  if (rawLaneTopics !== undefined && rawTopics) {
    problems.push(
      "MQTT_LANE_TOPICS is set, so MQTT_TOPICS must not be: give the filters one way (MQTT_LANE_TOPICS lists every lane's)",
    );
  }
  const filterList = (raw: string, name: string): string[] => {
    const list = raw
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
    if (raw && list.length === 0) problems.push(`${name} names no filter, got ${JSON.stringify(raw)}`);
    for (const t of list) {
      const r = validateSubscriptionFilter(t);
      if (!r.ok) problems.push(`${name}: ${r.message}`);
    }
    return list;
  };
  const laneTopicGroups =
    rawLaneTopics === undefined
      ? undefined
      : rawLaneTopics.split(';').map((g, i) => filterList(g.trim(), `MQTT_LANE_TOPICS lane ${i + 1}`));
  const topics = laneTopicGroups ? laneTopicGroups.flat() : filterList(rawTopics, 'MQTT_TOPICS');
  if (new Set(topics).size !== topics.length) {
    problems.push(
      laneTopicGroups
        ? `MQTT_LANE_TOPICS names a filter in two lanes (or twice in one): ${JSON.stringify(rawLaneTopics)}; each message must have one lane`
        : `MQTT_TOPICS repeats a filter: ${JSON.stringify(rawTopics)}`,
    );
  }

  const versionRaw = str('MQTT_PROTOCOL_VERSION');
  let protocolVersion: 4 | 5 = DEFAULTS.MQTT_PROTOCOL_VERSION;
  if (versionRaw !== undefined) {
    if (versionRaw === '4' || versionRaw === '5') protocolVersion = Number(versionRaw) as 4 | 5;
    else problems.push(`MQTT_PROTOCOL_VERSION must be 4 (MQTT 3.1.1) or 5, got ${JSON.stringify(versionRaw)}`);
  }

  // Lanes: several sessions of one feed, each with its own client id, on its own filters or one shared subscription.
  const sharedGroup = str('MQTT_SHARED_GROUP');
  const rawLanes = str('MQTT_LANES');
  const laneCount = int('MQTT_LANES', 1, MAX_LANES, laneTopicGroups?.length ?? 1);
  if (laneTopicGroups && rawLanes !== undefined && laneCount !== laneTopicGroups.length) {
    problems.push(
      `MQTT_LANES is ${laneCount} but MQTT_LANE_TOPICS names ${laneTopicGroups.length} lane(s) (groups separated by ";"): give one group of filters per lane`,
    );
  }
  if (sharedGroup !== undefined) {
    if (laneTopicGroups) {
      problems.push('MQTT_SHARED_GROUP and MQTT_LANE_TOPICS are both set: split the feed one way');
    }
    if (!SHARED_GROUP_NAME.test(sharedGroup)) {
      problems.push(
        `MQTT_SHARED_GROUP must be 1-64 characters of A-Z a-z 0-9 _ . - (no "/", "+", "#"), got ${JSON.stringify(sharedGroup)}`,
      );
    }
    if (protocolVersion !== 5) {
      problems.push(
        `MQTT_SHARED_GROUP needs MQTT_PROTOCOL_VERSION=5 (a shared subscription, $share/<group>/<filter>, is MQTT 5), got ${protocolVersion}`,
      );
    }
  }
  if (laneCount > 1 && !laneTopicGroups && sharedGroup === undefined) {
    problems.push(
      `MQTT_LANES is ${laneCount} without MQTT_LANE_TOPICS or MQTT_SHARED_GROUP: ${laneCount} sessions on the same filters would each receive every message; split the feed by filters (MQTT_LANE_TOPICS) or share one subscription (MQTT_SHARED_GROUP, MQTT 5)`,
    );
  }
  const lanes: LaneConfig[] = laneClientIds(clientId, laneCount).map((laneClientId, i) => ({
    clientId: laneClientId,
    topics: laneTopicGroups
      ? (laneTopicGroups[i] ?? [])
      : sharedGroup !== undefined
        ? topics.map((t) => `$share/${sharedGroup}/${t}`)
        : topics,
  }));

  // Credentials: a secret, or a username and password, or (loopback only) nothing.
  const username = env.MQTT_USERNAME === undefined || env.MQTT_USERNAME === '' ? undefined : env.MQTT_USERNAME;
  const password = env.MQTT_PASSWORD === undefined || env.MQTT_PASSWORD === '' ? undefined : env.MQTT_PASSWORD;
  const credentialsSecretId = str('MQTT_CREDENTIALS_SECRET_ID');
  if (credentialsSecretId && (username !== undefined || password !== undefined)) {
    problems.push(
      'MQTT_CREDENTIALS_SECRET_ID is set, so MQTT_USERNAME and MQTT_PASSWORD must not be: give the credentials one way',
    );
  } else if (!credentialsSecretId) {
    if (username !== undefined && password === undefined) {
      problems.push(`MQTT_PASSWORD is required with MQTT_USERNAME (${JSON.stringify(username)})`);
    } else if (username === undefined && password !== undefined) {
      problems.push('MQTT_USERNAME is required with MQTT_PASSWORD (value not shown)');
    } else if (username === undefined && host && !isLoopbackHost(host)) {
      problems.push(
        `MQTT_USERNAME and MQTT_PASSWORD, or MQTT_CREDENTIALS_SECRET_ID, are required for broker ${JSON.stringify(host)}: only a loopback broker may be used without credentials`,
      );
    }
  }

  const caFile = str('MQTT_CA_FILE');
  if (caFile !== undefined && !existsSync(caFile)) {
    problems.push(`MQTT_CA_FILE must name a readable PEM file, got ${JSON.stringify(caFile)} (no such file)`);
  }

  const streamName = required('KINESIS_STREAM_NAME', 'the Kinesis data stream the records go to');
  if (streamName && !/^[a-zA-Z0-9_.-]{1,128}$/.test(streamName)) {
    problems.push(
      `KINESIS_STREAM_NAME must be 1-128 characters of a-z A-Z 0-9 _ . -, got ${JSON.stringify(streamName)}`,
    );
  }

  const maxPendingMessages = int('BRIDGE_MAX_PENDING_MESSAGES', 1, 1_000_000);
  const maxPendingBytes = int('BRIDGE_MAX_PENDING_BYTES', 1024 * 1024, 2 ** 31);
  const reconnectMinMillis = int('MQTT_RECONNECT_MIN_MILLIS', 10, 3_600_000);
  const reconnectMaxMillis = int('MQTT_RECONNECT_MAX_MILLIS', 10, 3_600_000);
  if (reconnectMaxMillis < reconnectMinMillis) {
    problems.push(
      `MQTT_RECONNECT_MAX_MILLIS (${reconnectMaxMillis}) must be at least MQTT_RECONNECT_MIN_MILLIS (${reconnectMinMillis})`,
    );
  }
  const retryMinMillis = int('BRIDGE_RETRY_MIN_MILLIS', 1, 600_000);
  const retryMaxMillis = int('BRIDGE_RETRY_MAX_MILLIS', 1, 600_000);
  if (retryMaxMillis < retryMinMillis) {
    problems.push(
      `BRIDGE_RETRY_MAX_MILLIS (${retryMaxMillis}) must be at least BRIDGE_RETRY_MIN_MILLIS (${retryMinMillis})`,
    );
  }

  const markerSecretId = str('BRIDGE_SESSION_MARKER_SECRET_ID');
  const markerFile = str('BRIDGE_SESSION_MARKER_FILE');
  if (markerSecretId !== undefined && markerFile !== undefined) {
    problems.push(
      `BRIDGE_SESSION_MARKER_SECRET_ID and BRIDGE_SESSION_MARKER_FILE are both set (${JSON.stringify(markerSecretId)}, ${JSON.stringify(markerFile)}): give the session marker one place`,
    );
  }

  const logLevelRaw = (str('LOG_LEVEL') ?? DEFAULTS.LOG_LEVEL).toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevelRaw)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(str('LOG_LEVEL'))}`);
  }

  const config: BridgeConfig = {
    mqtt: {
      url,
      host,
      port,
      tls,
      clientId,
      topics,
      protocolVersion,
      ...(username !== undefined && !credentialsSecretId ? { username } : {}),
      ...(password !== undefined && !credentialsSecretId ? { password } : {}),
      ...(credentialsSecretId ? { credentialsSecretId } : {}),
      ...(caFile ? { caFile } : {}),
      keepaliveSeconds: int('MQTT_KEEPALIVE_SECONDS', 1, 65_535),
      connectTimeoutMillis: int('MQTT_CONNECT_TIMEOUT_MILLIS', 100, 600_000),
      reconnectMinMillis,
      reconnectMaxMillis,
      stableConnectionMillis: int('MQTT_STABLE_CONNECTION_MILLIS', 0, 3_600_000),
      stallTimeoutSeconds: int('MQTT_STALL_TIMEOUT_SECONDS', 0, 7 * 24 * 3600),
      sessionExpirySeconds: int('MQTT_SESSION_EXPIRY_SECONDS', 0, 0xffffffff),
      // Default: the pending bound, so a broker that honours it never makes the bridge stall its socket.
      receiveMaximum: int(
        'MQTT_RECEIVE_MAXIMUM',
        1,
        MAX_RECEIVE_MAXIMUM,
        Math.min(maxPendingMessages, MAX_RECEIVE_MAXIMUM),
      ),
    },
    kinesis: {
      streamName,
      maxBatchRecords: int(
        'BRIDGE_MAX_BATCH_RECORDS',
        1,
        PUT_RECORDS_MAX_RECORDS,
        defaultBatchRecords(maxPendingMessages),
      ),
      maxBatchBytes: int('BRIDGE_MAX_BATCH_BYTES', 1024 * 1024 + 256, PUT_RECORDS_MAX_BYTES),
      lingerMillis: int('BRIDGE_LINGER_MILLIS', 0, 10_000),
      maxCallsInFlight: int('BRIDGE_MAX_CALLS_IN_FLIGHT', 1, 64),
      retryMinMillis,
      retryMaxMillis,
      requestTimeoutMillis: int('BRIDGE_REQUEST_TIMEOUT_MILLIS', 100, 600_000),
    },
    lanes,
    ...(sharedGroup !== undefined ? { sharedGroup } : {}),
    maxPendingMessages,
    maxPendingBytes,
    healthPort: int('HEALTH_PORT', 0, 65_535),
    metricsIntervalMillis: int('METRICS_INTERVAL_MILLIS', 100, 3_600_000),
    shutdownTimeoutMillis: int('BRIDGE_SHUTDOWN_TIMEOUT_MILLIS', 100, 3_600_000),
    logLevel: logLevelRaw as LogLevel,
    ...(markerSecretId !== undefined
      ? { sessionMarker: { secretId: markerSecretId } }
      : markerFile !== undefined
        ? { sessionMarker: { file: markerFile } }
        : {}),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** A URL as it may be shown in a message: any password replaced by `***`. */
export function redactUrl(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@]*)@/i, (_m, scheme: string, userinfo: string) => {
    const user = userinfo.split(':')[0] ?? '';
    return `${scheme}${user}${userinfo.includes(':') ? ':***' : ''}@`;
  });
}
