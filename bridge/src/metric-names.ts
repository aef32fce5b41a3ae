/**
 * The bridge's CloudWatch metrics (embedded metric format on stdout, once a minute): namespace, dimensions and names.
 * The CDK app's alarms refer to exactly these constants, and the bridge emits exactly these (a test checks both).
 *
 * Every metric carries two dimensions: `service` = {@link BRIDGE_SERVICE_NAME} and `ClientId` = the feed's
 * `MQTT_CLIENT_ID` (unique per feed, so each feed has its own alarms).
 */
export const BRIDGE_METRICS_NAMESPACE = 'MeterReadings';

/** The value of the `service` dimension on every bridge metric. */
export const BRIDGE_SERVICE_NAME = 'bridge';

/** The dimension that names the feed: its MQTT client id. */
export const CLIENT_ID_DIMENSION = 'ClientId';

/** Metric names, in the namespace above. */
export const BridgeMetric = {
  /** Count: PUBLISH packets received (redeliveries included). */
  MessagesReceived: 'MessagesReceived',
  /** Count: records Kinesis accepted. */
  RecordsWritten: 'RecordsWritten',
  /** Count: PutRecords entries retried (throttled or failed), and whole calls retried. */
  PutRecordsRetries: 'PutRecordsRetries',
  /** 0 or 1: connected and subscribed at the end of the interval (minimum over the interval). */
  Connected: 'Connected',
  /** Count: connections made after the first. */
  Reconnects: 'Reconnects',
  /** Count: messages received and not yet acknowledged (maximum over the interval). */
  PendingMessages: 'PendingMessages',
  /** Milliseconds: age of the oldest message not yet acknowledged (maximum over the interval; 0 when none). */
  OldestPendingAgeMillis: 'OldestPendingAgeMillis',
  /** Milliseconds: receive to Kinesis acceptance, per message. */
  ForwardLatencyMillis: 'ForwardLatencyMillis',
  /** Count: reconnects whose CONNACK said session present = 0: the broker kept nothing, readings may be missing. */
  SessionsLost: 'SessionsLost',
} as const;
