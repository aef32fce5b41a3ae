/**
 * The archiver's CloudWatch metrics: namespace, dimensions and names. The CDK app's dashboard refers to exactly these
 * constants, and the function emits exactly these. Every metric carries `service` = {@link ARCHIVE_SERVICE_NAME}.
 */
export const ARCHIVE_METRICS_NAMESPACE = 'MeterReadings';

/** The value of the `service` dimension on every archiver metric. */
export const ARCHIVE_SERVICE_NAME = 'archive';

/** Metric names, in the namespace above. */
export const ArchiveMetric = {
  /** Count: stream records written to the archive (a retried batch counts again). */
  RecordsArchived: 'RecordsArchived',
  /** Count: archive objects written. */
  ArchiveObjectsWritten: 'ArchiveObjectsWritten',
  /** Bytes: compressed bytes written to the archive. */
  ArchiveBytesWritten: 'ArchiveBytesWritten',
} as const;
