/**
 * The ingest function's CloudWatch metrics: namespace, dimensions and names. The CDK app's alarms refer to exactly
 * these constants, and the function emits exactly these (a test checks both sides).
 *
 * Every metric carries the dimension `service` = {@link INGEST_SERVICE_NAME} (Powertools' default dimension);
 * `Rejected` carries `Reason` as well, and `Quarantined` is the total across reasons (rejections and conflicts) so
 * that one alarm can watch it.
 */
export const INGEST_METRICS_NAMESPACE = 'MeterReadings';

/** The value of the `service` dimension on every ingest metric. */
export const INGEST_SERVICE_NAME = 'ingest';

/** The dimension that names a rejection's reason on `Rejected`. */
export const REASON_DIMENSION = 'Reason';

/** Metric names, in the namespace above. */
export const IngestMetric = {
  /** Count: readings written for the first time. */
  ReadingsStored: 'ReadingsStored',
  /** Count: deliveries of a reading already stored with the same value. */
  DuplicatesSkipped: 'DuplicatesSkipped',
  /**
   * Count: the part of `DuplicatesSkipped` that differs from the stored reading in a fact other than its identity,
   * value and interval (the system time, the schema version, the extra fields). Nothing is quarantined for it; the
   * stored item keeps the first delivery's facts. See `core/reading.ts`.
   */
  DuplicatesWithOtherFacts: 'DuplicatesWithOtherFacts',
  /**
   * Count: v1 readings stored for a register other than 2, which the provider documents v1 for (accepted: the reading
   * is complete; counted, so a change on the provider's side shows). See `core/payload.ts`.
   */
  V1OtherRegisterStored: 'V1OtherRegisterStored',
  /** Count: deliveries of a stored reading with a different value (kept first, recorded in quarantine). */
  Conflicts: 'Conflicts',
  /** Count, with `Reason`: records rejected by the decoder and quarantined. */
  Rejected: 'Rejected',
  /** Count: everything written to the quarantine table (rejections and conflicts), no `Reason` dimension. */
  Quarantined: 'Quarantined',
  /** Count: records returned in `batchItemFailures` for the platform to retry. */
  IngestFailures: 'IngestFailures',
  /** Milliseconds: ingest time minus the bridge's receive time. */
  PipelineLatency: 'PipelineLatency',
  /** Milliseconds: ingest time minus the reading's own time. */
  ReadingAge: 'ReadingAge',
} as const;
