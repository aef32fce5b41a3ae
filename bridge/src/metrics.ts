/**
 * The bridge's metrics in CloudWatch embedded metric format: one JSON line on stdout every interval, namespace,
 * dimensions and names from `metric-names.ts`. Counts are deltas over the interval; `Connected` is the minimum over the
 * interval, `PendingMessages` and `OldestPendingAgeMillis` the maximum (sampled every second and at emission);
 * `ForwardLatencyMillis` is up to 100 sampled values (EMF's limit per metric), uniformly chosen (reservoir sampling).
 */
import { BRIDGE_METRICS_NAMESPACE, BRIDGE_SERVICE_NAME, BridgeMetric, CLIENT_ID_DIMENSION } from './metric-names';

/** What the metrics read at each sample. */
export interface MetricsSource {
  /** Cumulative counters since start. */
  counters(): {
    received: number;
    written: number;
    putRecordsRetries: number;
    reconnects: number;
    sessionsLost: number;
  };
  /** Current gauges. */
  gauges(): { connected: boolean; pending: number; oldestPendingAgeMillis: number };
}

const MAX_VALUES = 100;

/** Collects and emits the bridge's metrics. */
export class BridgeMetrics {
  private last = { received: 0, written: 0, putRecordsRetries: 0, reconnects: 0, sessionsLost: 0 };
  private connectedMin = 1;
  private pendingMax = 0;
  private oldestMax = 0;
  private latencies: number[] = [];
  private latencyCount = 0;
  private sampler: NodeJS.Timeout | undefined;
  private emitter: NodeJS.Timeout | undefined;

  constructor(
    private readonly source: MetricsSource,
    private readonly clientId: string,
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
    private readonly random: () => number = Math.random,
  ) {}

  /** Starts sampling every second and emitting every `intervalMillis`. */
  start(intervalMillis: number): void {
    this.resetGauges();
    this.sampler = setInterval(() => this.sample(), Math.min(1000, intervalMillis));
    this.emitter = setInterval(() => this.emit(), intervalMillis);
    this.sampler.unref();
    this.emitter.unref();
  }

  /** Stops the timers (a last {@link emit} is up to the caller). */
  stop(): void {
    clearInterval(this.sampler);
    clearInterval(this.emitter);
  }

  /** Records one message's receive-to-written latency. */
  recordLatency(millis: number): void {
    this.latencyCount += 1;
    if (this.latencies.length < MAX_VALUES) this.latencies.push(millis);
    else {
      const i = Math.floor(this.random() * this.latencyCount);
      if (i < MAX_VALUES) this.latencies[i] = millis;
    }
  }

  private sample(): void {
    const g = this.source.gauges();
    if (!g.connected) this.connectedMin = 0;
    this.pendingMax = Math.max(this.pendingMax, g.pending);
    this.oldestMax = Math.max(this.oldestMax, g.oldestPendingAgeMillis);
  }

  private resetGauges(): void {
    const g = this.source.gauges();
    this.connectedMin = g.connected ? 1 : 0;
    this.pendingMax = g.pending;
    this.oldestMax = g.oldestPendingAgeMillis;
  }

  /** Writes one EMF line for the interval just ended and starts the next. */
  emit(now = Date.now()): void {
    this.sample();
    const c = this.source.counters();
    const values: Record<string, number | number[]> = {
      [BridgeMetric.MessagesReceived]: c.received - this.last.received,
      [BridgeMetric.RecordsWritten]: c.written - this.last.written,
      [BridgeMetric.PutRecordsRetries]: c.putRecordsRetries - this.last.putRecordsRetries,
      [BridgeMetric.Reconnects]: c.reconnects - this.last.reconnects,
      [BridgeMetric.SessionsLost]: c.sessionsLost - this.last.sessionsLost,
      [BridgeMetric.Connected]: this.connectedMin,
      [BridgeMetric.PendingMessages]: this.pendingMax,
      [BridgeMetric.OldestPendingAgeMillis]: this.oldestMax,
    };
    if (this.latencies.length > 0) values[BridgeMetric.ForwardLatencyMillis] = this.latencies;
    const units: Record<string, string> = {
      [BridgeMetric.OldestPendingAgeMillis]: 'Milliseconds',
      [BridgeMetric.ForwardLatencyMillis]: 'Milliseconds',
      [BridgeMetric.Connected]: 'None',
    };
    const line = {
      _aws: {
        Timestamp: now,
        CloudWatchMetrics: [
          {
            Namespace: BRIDGE_METRICS_NAMESPACE,
            Dimensions: [['service', CLIENT_ID_DIMENSION]],
            Metrics: Object.keys(values).map((name) => ({ Name: name, Unit: units[name] ?? 'Count' })),
          },
        ],
      },
      service: BRIDGE_SERVICE_NAME,
      [CLIENT_ID_DIMENSION]: this.clientId,
      ...values,
    };
    this.write(JSON.stringify(line));
    this.last = { ...c };
    this.latencies = [];
    this.latencyCount = 0;
    this.resetGauges();
  }
}
