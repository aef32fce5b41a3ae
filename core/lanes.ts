/**
 * Lanes: one feed held as several MQTT sessions at once, each with its own client id, so that the broker's in-flight
 * window (20 to 50 messages at most brokers) bounds each session and not the whole feed. Shared by the bridge
 * (`MQTT_LANES`, `MQTT_LANE_TOPICS`, `MQTT_SHARED_GROUP`) and the CDK app (a feed's `lanes`).
 */

/** The most lanes one feed may have. */
export const MAX_LANES = 16;

/** An MQTT 5 shared subscription's group name (`$share/<group>/<filter>`): no `/`, `+` or `#`. */
export const SHARED_GROUP_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** The client id of each of a feed's `lanes` sessions: the feed's own with one lane, `<clientId>-<n>` with more. */
export function laneClientIds(clientId: string, lanes: number): string[] {
  return lanes === 1 ? [clientId] : Array.from({ length: lanes }, (_, i) => `${clientId}-${i + 1}`);
}
