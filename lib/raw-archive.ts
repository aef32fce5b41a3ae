/**
 * The raw archive: an S3 bucket that keeps every stream record, byte-exact, for as long as the deployer says, and the
 * archiver function (`functions/archive`) that fills it, a second consumer of the stream with its own event source
 * mapping (large batches and a long batching window: one object, one PUT, per shard every few minutes). The archive
 * is what turns a decoder bug, a failed batch or an expired quarantine item into a replay (`npm run replay`).
 *
 * The choice of a Lambda archiver over Kinesis Data Firehose, with the figures, is in docs/cost.md.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DEFAULT_ARCHIVE_PREFIX } from '../core';
import { ARCHIVE_ENV } from '../functions/archive/config';
import { ARCHIVE_METRICS_NAMESPACE, ARCHIVE_SERVICE_NAME } from '../functions/archive/metric-names';
import { REPO_ROOT } from './repo-root';

/** The archiver's entry file. */
export const ARCHIVE_ENTRY = path.join(REPO_ROOT, 'functions', 'archive', 'index.ts');

/** The only S3 action the archiver gets, on its prefix of its bucket only. */
export const ARCHIVE_OBJECT_ACTIONS = ['s3:PutObject'] as const;

/** Default days an archive object is kept (ten years: the raw log is the record of what the provider sent). */
export const DEFAULT_ARCHIVE_RETENTION_DAYS = 3650;

/** Limits of the archive's tunables, from the platform's own limits. */
export const RAW_ARCHIVE_LIMITS = {
  // Kept at least past the Glacier Instant Retrieval transition's 90-day minimum storage duration.
  retentionDays: { min: 180, max: 36500 },
  // Lambda event source mapping for Kinesis: BatchSize 1..10000, MaximumBatchingWindowInSeconds 0..300.
  batchSize: { min: 1, max: 10000 },
  batchingWindowSeconds: { min: 0, max: 300 },
} as const;

/** Properties of {@link RawArchive}. */
export interface RawArchiveProps {
  /** The stream whose every record is archived. */
  readonly stream: kinesis.IStream;
  /**
   * Days an archive object is kept before it expires, 180 to 36500.
   * @default 3650
   */
  readonly retentionDays?: number;
  /**
   * Most records per invocation, 1 to 10000 (Lambda also cuts a batch at its 6 MB payload limit).
   * @default 10000
   */
  readonly batchSize?: number;
  /**
   * Longest time the mapping gathers records before invoking, 0 to 300 seconds: the longer, the fewer and larger the
   * objects (one PUT each), the later a record reaches the archive.
   * @default Duration.seconds(300)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Key prefix of every archive object.
   * @default 'raw/'
   */
  readonly prefix?: string;
  /**
   * Days the function's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/** The archive bucket and its archiver. */
export class RawArchive extends Construct {
  /** The archive bucket: encrypted, TLS only, no public access, versioned, moving to cheaper classes with age. */
  public readonly bucket: s3.Bucket;
  /** The archiver function. */
  public readonly function: nodejs.NodejsFunction;
  /** The archiver's execution role. */
  public readonly role: iam.Role;
  /** The archiver's event source (its own mapping on the stream). */
  public readonly eventSource: KinesisEventSource;
  /** The archiver's log group. */
  public readonly logGroup: logs.LogGroup;
  /** The key prefix of every object. */
  public readonly prefix: string;
  /** Days an object is kept. */
  public readonly retentionDays: number;
  /** How long the mapping gathers records before an invocation. */
  public readonly batchingWindow: Duration;

  constructor(scope: Construct, id: string, props: RawArchiveProps) {
    super(scope, id);
    const limits = RAW_ARCHIVE_LIMITS;
    const retentionDays = props.retentionDays ?? DEFAULT_ARCHIVE_RETENTION_DAYS;
    const batchSize = props.batchSize ?? 10000;
    const window = props.maxBatchingWindow ?? Duration.seconds(300);
    const prefix = props.prefix ?? DEFAULT_ARCHIVE_PREFIX;
    const inRange = (n: number, l: { min: number; max: number }) => Number.isInteger(n) && n >= l.min && n <= l.max;
    if (!inRange(retentionDays, limits.retentionDays)) {
      throw new Error(`retentionDays must be a whole number from 180 to 36500, got ${retentionDays}`);
    }
    if (!inRange(batchSize, limits.batchSize)) {
      throw new Error(`batchSize must be a whole number from 1 to 10000, got ${batchSize}`);
    }
    if (!inRange(window.toSeconds({ integral: false }), limits.batchingWindowSeconds)) {
      throw new Error(`maxBatchingWindow must be 0 to 300 whole seconds, got ${window.toHumanString()}`);
    }
    if (!/^(?:[A-Za-z0-9!_.*'()-]+\/)+$/.test(prefix)) {
      throw new Error(
        `prefix must be path segments each ending with "/" (such as "raw/"), got ${JSON.stringify(prefix)}`,
      );
    }
    this.prefix = prefix;
    this.retentionDays = retentionDays;
    this.batchingWindow = window;

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // A retried batch overwrites its object: versioning keeps the overwritten copy for a while, and protects the
      // raw log against a mistaken delete.
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        {
          id: 'ArchiveToCheaperClasses',
          prefix,
          // Instant Retrieval, not Flexible or Deep Archive: a replay reads old objects with a plain GET, no restore.
          transitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) },
            { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) },
          ],
          expiration: Duration.days(retentionDays),
          noncurrentVersionExpiration: Duration.days(30),
        },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
        { id: 'RemoveExpiredDeleteMarkers', expiredObjectDeleteMarker: true },
      ],
      // The raw log outlives the stack: deleting the stack must not delete what the provider sent.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Archiver: read its stream, PutObject under the archive prefix, write its own logs.',
    });
    this.logGroup.grantWrite(this.role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: ARCHIVE_ENTRY,
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      // A full batch is up to 6 MB of event: room to decode it and gzip it in memory.
      memorySize: 512,
      timeout: Duration.seconds(120),
      role: this.role,
      logGroup: this.logGroup,
      description: 'Kinesis stream records -> the raw archive in S3 (gzip NDJSON, byte-exact)',
      environment: {
        POWERTOOLS_SERVICE_NAME: ARCHIVE_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: ARCHIVE_METRICS_NAMESPACE,
        [ARCHIVE_ENV.prefix]: prefix,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        sourceMap: true,
        sourcesContent: false,
        minify: true,
        externalModules: [],
        forceDockerBundling: false,
      },
    });
    // Grant and configure in one place: the bucket's name goes with exactly the action the handler uses.
    iam.Grant.addToPrincipal({
      grantee: this.function,
      actions: [...ARCHIVE_OBJECT_ACTIONS],
      resourceArns: [this.bucket.arnForObjects(`${prefix}*`)],
    });
    this.function.addEnvironment(ARCHIVE_ENV.bucket, this.bucket.bucketName);

    this.eventSource = new KinesisEventSource(props.stream, {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize,
      maxBatchingWindow: window,
      // No bad input exists here (any bytes are archived), so a failure is S3's or the function's: retry until it
      // works or the record expires, never skip a record. Leaving MaximumRetryAttempts and MaximumRecordAgeInSeconds
      // unset means -1, infinite (AWS::Lambda::EventSourceMapping). The archive lag alarms fire hours before expiry.
      bisectBatchOnError: false,
      metricsConfig: { metrics: [lambda.MetricType.EVENT_COUNT] },
    });
    this.function.addEventSource(this.eventSource);

    const bucketLogicalId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket);
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/${prefix}*]`,
      reason: 'The archiver names its objects by time and sequence number; s3:PutObject needs the prefix wildcard.',
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only the archiver writes here; an access-log bucket would itself need one. Enable CloudTrail S3 data events ' +
        'if an audit of reads is required.',
    });
  }
}
