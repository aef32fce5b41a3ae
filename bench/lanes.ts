/**
 * Lanes against the enforced window: one bridge holding N sessions of one feed (MQTT_LANE_TOPICS, one subscription id
 * per lane), each behind the same window proxy as the one-session cells (W per connection, RTT on the path), with the
 * same stand-in Kinesis latency L. N lanes can carry at most N x W / (L + RTT), up to what the one process and its
 * sink carry; the target is at least 80% of that bound.
 */
import { createSession, publishMessages } from './support/backlog';
import { drainWithBridge } from './support/bridge-in-process';
import type { BenchContext, BenchOutput } from './support/context';
import { makeFigure, type Figure } from './support/figures';
import { benchMessage, customerOf } from './support/messages';
import { startMosquitto } from './support/mosquitto';
import { median, ratePerSecond } from './support/stats';
import { startWindowProxy } from './support/window-proxy';
import { sessionBound } from './broker-window';

/** The path every lane runs on: EMQX's window, a 10 ms Kinesis, a 10 ms round trip. */
export const LANE_CELL = { window: 32, latencyMillis: 10, rttMillis: 10 } as const;

/** Runs the lanes figures. */
export async function benchLanes(ctx: BenchContext): Promise<BenchOutput> {
  const rounds = ctx.quick ? 1 : 3;
  const seconds = ctx.quick ? 1.5 : 2;
  const counts = ctx.quick ? [1, 4] : [1, 2, 4];
  const { window, latencyMillis, rttMillis } = LANE_CELL;
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  const mosquitto = await startMosquitto({ maxInflight: 0 });
  try {
    for (const lanes of counts) {
      const bound = lanes * sessionBound(window, latencyMillis, rttMillis);
      const perLane = Math.max(300, Math.round((bound * seconds) / lanes));
      const count = perLane * lanes;
      const rates: number[] = [];
      let maxUnacked = 0;
      let connections = 0;
      for (let round = 1; round <= rounds; round++) {
        const clientId = `bench-lanes-n${lanes}-${process.pid}-${round}`;
        const customer = customerOf(clientId);
        const filter = (n: number) => `meters/outbound/${customer}/s${n}/#`;
        ctx.log(
          `lanes N=${lanes} W=${window} L=${latencyMillis} ms RTT=${rttMillis} ms round ${round}/${rounds}: ${count} messages`,
        );
        for (let n = 1; n <= lanes; n++) {
          await createSession(mosquitto.url, lanes === 1 ? clientId : `${clientId}-${n}`, filter(n));
          await publishMessages(mosquitto.url, perLane, (i) => {
            const m = benchMessage(i, 1000, 0, customer);
            return { topic: m.topic.replace('/s1/', `/s${n}/`), payload: m.payload };
          });
        }
        const proxy = await startWindowProxy({ targetPort: mosquitto.port, window, rttMillis });
        try {
          const result = await drainWithBridge(
            proxy.url,
            clientId,
            count,
            { kind: 'delayed', latencyMillis },
            120_000,
            {
              MQTT_TOPICS: '',
              MQTT_LANE_TOPICS: Array.from({ length: lanes }, (_, i) => filter(i + 1)).join(';'),
            },
          );
          rates.push(ratePerSecond(count, result.fromFirstMessage));
          maxUnacked = Math.max(maxUnacked, proxy.maxUnacked);
          connections = proxy.maxUnackedByConnection.length;
        } finally {
          await proxy.stop();
        }
      }
      const id = `lanes.n${lanes}-w${window}-l${latencyMillis}-rtt${rttMillis}`;
      details[id] = { lanes, window, latencyMillis, rttMillis, bound, rates, count, maxUnacked, connections };
      figures.push(
        makeFigure({
          id,
          benchmark: 'lanes',
          name: `Lanes N=${lanes}, W=${window} (enforced) each, L=${latencyMillis} ms, RTT=${rttMillis} ms`,
          value: median(rates),
          unit: 'msg/s',
          reference: { name: 'bound N x W / (L + RTT)', value: bound },
          target: { of: 'ratio', op: '>=', threshold: 0.8, text: '>= 80% of N*W/(L+RTT)' },
          note: `${connections} connection(s) through the proxy, most unacknowledged on one ${maxUnacked} (W enforced per lane); ${count.toLocaleString('en-US')} messages, median of ${rounds} round(s); per-round ${rates.map((r) => `${((r / bound) * 100).toFixed(0)}%`).join(', ')}`,
        }),
      );
    }
  } finally {
    await mosquitto.stop();
  }
  return { figures, details };
}
