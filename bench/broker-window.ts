/**
 * The real bound of one session: the broker's in-flight window W held at the defaults of the brokers a provider is
 * likely to run (Mosquitto and VerneMQ 20, EMQX 32, HiveMQ 50), enforced by a proxy in front of mosquitto that lets
 * no more than W PUBLISHes be unacknowledged (bench/support/window-proxy.ts; mosquitto 2.0.11 does not keep to its own
 * `max_inflight_messages`), a round trip RTT to the broker added on that path, and a Kinesis write latency L (the
 * bridge's own `KinesisSink` on a stand-in client that answers each PutRecords call after L ms, as the ack-window
 * figures do). A bridge that acknowledges after persisting is then bound by W / (L + RTT): a PUBACK must reach the
 * broker before it sends the next message. Each cell is judged against that bound (target: at least 85%); the proxy's
 * most-unacknowledged count is in the note, so each figure proves its window.
 */
import { prepareBacklog } from './support/backlog';
import { drainWithBridge } from './support/bridge-in-process';
import type { BenchContext, BenchOutput } from './support/context';
import { makeFigure, type Figure } from './support/figures';
import { startMosquitto } from './support/mosquitto';
import { median, ratePerSecond } from './support/stats';
import { startWindowProxy } from './support/window-proxy';

/** One cell: a broker window, a Kinesis latency, a round trip. */
export interface WindowCell {
  readonly window: number;
  readonly latencyMillis: number;
  readonly rttMillis: number;
}

/** The windows measured: Mosquitto/VerneMQ, EMQX, HiveMQ defaults. */
export const BROKER_WINDOWS = [20, 32, 50] as const;
/** Kinesis write latencies measured, ms. */
export const KINESIS_LATENCIES = [10, 25] as const;
/** Round trips to the broker measured, ms. */
export const ROUND_TRIPS = [1, 10, 30] as const;

/** Every cell of the full run; the quick run measures the corners with the same machinery. */
export function windowCells(quick: boolean): WindowCell[] {
  const cells: WindowCell[] = [];
  for (const window of quick ? [20, 50] : BROKER_WINDOWS)
    for (const latencyMillis of quick ? [10] : KINESIS_LATENCIES)
      for (const rttMillis of quick ? [1, 30] : ROUND_TRIPS) cells.push({ window, latencyMillis, rttMillis });
  return cells;
}

/** The ceiling of one session: W messages per (L + RTT), in messages per second. */
export function sessionBound(window: number, latencyMillis: number, rttMillis: number): number {
  return (window * 1000) / (latencyMillis + rttMillis);
}

/** The id of a cell's figure (stable: the README and the chart look figures up by it). */
export function windowFigureId(c: WindowCell): string {
  return `session.w${c.window}-l${c.latencyMillis}-rtt${c.rttMillis}`;
}

/** Runs the enforced-window cells. */
export async function benchBrokerWindow(ctx: BenchContext): Promise<BenchOutput> {
  const rounds = ctx.quick ? 1 : 3;
  const seconds = ctx.quick ? 1.5 : 2;
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  // 0: mosquitto's own window off; the proxy holds it
  const mosquitto = await startMosquitto({ maxInflight: 0 });
  try {
    for (const cell of windowCells(ctx.quick)) {
      const bound = sessionBound(cell.window, cell.latencyMillis, cell.rttMillis);
      const count = Math.max(500, Math.round(bound * seconds));
      const rates: number[] = [];
      const callMillis: number[] = [];
      let maxUnacked = 0;
      for (let round = 1; round <= rounds; round++) {
        const clientId = `bench-session-w${cell.window}-l${cell.latencyMillis}-r${cell.rttMillis}-${process.pid}-${round}`;
        ctx.log(
          `session W=${cell.window} L=${cell.latencyMillis} ms RTT=${cell.rttMillis} ms round ${round}/${rounds}: ${count} messages`,
        );
        await prepareBacklog(mosquitto.url, clientId, count);
        const proxy = await startWindowProxy({
          targetPort: mosquitto.port,
          window: cell.window,
          rttMillis: cell.rttMillis,
        });
        try {
          const result = await drainWithBridge(
            proxy.url,
            clientId,
            count,
            { kind: 'delayed', latencyMillis: cell.latencyMillis, onCallMillis: (ms) => callMillis.push(ms) },
            120_000,
          );
          rates.push(ratePerSecond(count, result.fromFirstMessage));
          maxUnacked = Math.max(maxUnacked, proxy.maxUnacked);
        } finally {
          await proxy.stop();
        }
      }
      const meanCall = callMillis.reduce((a, b) => a + b, 0) / Math.max(1, callMillis.length);
      details[windowFigureId(cell)] = { ...cell, bound, rates, count, maxUnacked, meanCallMillis: meanCall };
      const proof =
        maxUnacked <= cell.window
          ? `most unacknowledged at the broker side ${maxUnacked} (W enforced)`
          : `WINDOW NOT ENFORCED: ${maxUnacked} unacknowledged against W ${cell.window}`;
      figures.push(
        makeFigure({
          id: windowFigureId(cell),
          benchmark: 'broker-window',
          name: `One session, W=${cell.window} (enforced), L=${cell.latencyMillis} ms, RTT=${cell.rttMillis} ms`,
          value: median(rates),
          unit: 'msg/s',
          reference: { name: 'bound W / (L + RTT)', value: bound },
          target: { of: 'ratio', op: '>=', threshold: 0.85, text: '>= 85% of W/(L+RTT)' },
          note: `${proof}; ${count.toLocaleString('en-US')} messages, median of ${rounds} round(s); per-round ${rates.map((r) => `${((r / bound) * 100).toFixed(0)}%`).join(', ')}; the stand-in's PutRecords calls took ${meanCall.toFixed(1)} ms on average against L = ${cell.latencyMillis} ms (a timer fires late on a busy machine)`,
        }),
      );
    }
  } finally {
    await mosquitto.stop();
  }
  return { figures, details };
}
