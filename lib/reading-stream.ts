/**
 * The Kinesis data stream between the bridges and the ingest function: every raw MQTT message lands here first.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { Construct } from 'constructs';

/** Properties of {@link ReadingStream}. */
export interface ReadingStreamProps {
  /**
   * Capacity mode: on-demand scales alone; provisioned costs less at rest for a small, steady feed.
   * @default kinesis.StreamMode.ON_DEMAND
   */
  readonly streamMode?: kinesis.StreamMode;
  /**
   * Number of shards; required with `StreamMode.PROVISIONED`, not allowed with on-demand.
   * @default - none (on-demand)
   */
  readonly shardCount?: number;
  /**
   * How long Kinesis keeps a record: the time the pipeline has to recover from an ingest outage. 24 hours to 365 days.
   * @default Duration.hours(24)
   */
  readonly retentionPeriod?: Duration;
  /**
   * What happens to the stream when it leaves the stack. It may hold records not yet ingested.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** An encrypted Kinesis data stream of raw readings. */
export class ReadingStream extends Construct {
  /** The stream. */
  public readonly stream: kinesis.Stream;
  /** How long a record stays in the stream. */
  public readonly retentionPeriod: Duration;

  constructor(scope: Construct, id: string, props: ReadingStreamProps = {}) {
    super(scope, id);
    const streamMode = props.streamMode ?? kinesis.StreamMode.ON_DEMAND;
    const retentionPeriod = props.retentionPeriod ?? Duration.hours(24);
    const hours = retentionPeriod.toHours({ integral: false });
    if (!Number.isInteger(hours) || hours < 24 || hours > 8760) {
      throw new Error(`retentionPeriod must be a whole number of hours from 24 to 8760, got ${hours} hours`);
    }
    if (streamMode === kinesis.StreamMode.PROVISIONED) {
      const n = props.shardCount;
      if (n === undefined || !Number.isInteger(n) || n < 1 || n > 500) {
        throw new Error(`shardCount must be a whole number from 1 to 500 with a provisioned stream, got ${n}`);
      }
    } else if (props.shardCount !== undefined) {
      throw new Error(`shardCount is allowed only with StreamMode.PROVISIONED, got ${props.shardCount} for on-demand`);
    }

    this.retentionPeriod = retentionPeriod;
    this.stream = new kinesis.Stream(this, 'Stream', {
      streamMode,
      ...(streamMode === kinesis.StreamMode.PROVISIONED ? { shardCount: props.shardCount } : {}),
      retentionPeriod,
      // The AWS managed key (aws/kinesis): producers and consumers need no KMS permissions, and no key costs a month.
      encryption: kinesis.StreamEncryption.MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}
