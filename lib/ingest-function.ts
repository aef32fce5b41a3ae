/**
 * The ingest function: reads the Kinesis stream, writes each reading once into the readings table and bad input into
 * the quarantine table (`functions/ingest`), behind an event source mapping that can never block a shard forever.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DEFAULT_QUARANTINE_RETENTION_DAYS } from '../core';
import { INGEST_METRICS_NAMESPACE, INGEST_SERVICE_NAME } from '../functions/ingest/metric-names';
import { FUNCTION_TIMEOUT_SECONDS, RECORD_START_BUDGET_MILLIS } from '../functions/shared/time-budget';
import { APP_CONFIG_DEFAULTS, APP_CONFIG_LIMITS } from './app-config';
import { REPO_ROOT } from './repo-root';

/** The handler's entry file. */
export const INGEST_ENTRY = path.join(REPO_ROOT, 'functions', 'ingest', 'index.ts');

/**
 * The only DynamoDB actions the function gets, on its two tables only: the handler writes readings, the series
 * registry and quarantine items with conditional `PutItem` (`ReturnValuesOnConditionCheckFailure: ALL_OLD` returns
 * the stored item without a read permission).
 */
export const INGEST_TABLE_ACTIONS = ['dynamodb:PutItem'] as const;

/**
 * The one read the function may make, on the readings table only: `GetItem` of the stored reading when a failed
 * condition came back without it (`functions/ingest/reading-store.ts`; the access suite finds the call in the code).
 */
export const INGEST_READINGS_READ_ACTIONS = ['dynamodb:GetItem'] as const;

/** What Lambda needs to write a failed batch into the on-failure bucket (AWS Lambda developer guide). */
export const FAILURE_BUCKET_OBJECT_ACTIONS = ['s3:PutObject'] as const;
/** The bucket-level action Lambda needs for the same. */
export const FAILURE_BUCKET_ACTIONS = ['s3:ListBucket'] as const;

/**
 * An S3 on-failure destination granting only what Lambda needs (`s3:PutObject`, `s3:ListBucket`). The library's
 * `S3OnFailureDestination` grants read and write on the whole bucket, more than the function should hold.
 */
class FailedRecordsBucketDestination implements lambda.IEventSourceDlq {
  constructor(private readonly bucket: s3.IBucket) {}

  bind(_target: lambda.IEventSourceMapping, targetHandler: lambda.IFunction): lambda.DlqDestinationConfig {
    iam.Grant.addToPrincipal({
      grantee: targetHandler,
      actions: [...FAILURE_BUCKET_ACTIONS],
      resourceArns: [this.bucket.bucketArn],
    });
    iam.Grant.addToPrincipal({
      grantee: targetHandler,
      actions: [...FAILURE_BUCKET_OBJECT_ACTIONS],
      resourceArns: [this.bucket.arnForObjects('*')],
    });
    return { destination: this.bucket.bucketArn };
  }
}

/** Properties of {@link IngestFunction}. */
export interface IngestFunctionProps {
  /** The stream of raw readings the function reads. */
  readonly stream: kinesis.IStream;
  /** The readings table the function writes readings (and the series registry) into. */
  readonly readingsTable: dynamodb.ITable;
  /** The quarantine table the function writes rejected and conflicting records into. */
  readonly quarantineTable: dynamodb.ITable;
  /**
   * Days a quarantine item is kept before its TTL expires it.
   * @default 90
   */
  readonly quarantineRetentionDays?: number;
  /**
   * Most records per invocation, 1 to 10000.
   * @default 100
   */
  readonly batchSize?: number;
  /**
   * Longest time the event source mapping gathers records before invoking, 0 to 300 seconds.
   * @default Duration.seconds(0)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Retries of a failing record before it goes to the failed-records bucket: -1 retries until {@link maxRecordAge}
   * (bounded by age, not by a count a short outage uses up), or 0 to 10000.
   * @default -1
   */
  readonly retryAttempts?: number;
  /**
   * Oldest record the mapping still retries before sending it to the failed-records bucket, 60 s to 7 days. Keep it
   * below the stream's retention so a stuck record is kept before Kinesis expires it. Always bounded here: with
   * `retryAttempts` -1 it is the only limit on retries.
   * @default Duration.hours(23)
   */
  readonly maxRecordAge?: Duration;
  /**
   * Memory of the function in MiB (CPU grows with it).
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Longest an invocation may run; at least the handler's record start budget plus the reserve (`time-budget.ts`).
   * @default Duration.seconds(FUNCTION_TIMEOUT_SECONDS) - two worst-case records and the reserve (206 s)
   */
  readonly timeout?: Duration;
  /**
   * Days the function's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * How long a failed batch is kept in the failed-records bucket, in whole days: the time an operator has to replay it.
   * @default Duration.days(400)
   */
  readonly failedRecordsExpiration?: Duration;
}

/** The ingest Lambda function with its Kinesis event source mapping and its failed-records bucket. */
export class IngestFunction extends Construct {
  /** The function. */
  public readonly function: nodejs.NodejsFunction;
  /** The function's execution role. */
  public readonly role: iam.Role;
  /** The bucket that keeps batches the mapping gave up on: the records themselves, with the invocation metadata. */
  public readonly failedRecordsBucket: s3.Bucket;
  /** The Kinesis event source (its mapping id names the mapping's metrics). */
  public readonly eventSource: KinesisEventSource;
  /** The function's log group. */
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: IngestFunctionProps) {
    super(scope, id);
    const limits = APP_CONFIG_LIMITS;
    const batchSize = props.batchSize ?? 100;
    const window = props.maxBatchingWindow ?? Duration.seconds(0);
    const retryAttempts = props.retryAttempts ?? APP_CONFIG_DEFAULTS.ingestRetryAttempts;
    const maxRecordAge = props.maxRecordAge ?? Duration.hours(23);
    const retentionDays = props.quarantineRetentionDays ?? DEFAULT_QUARANTINE_RETENTION_DAYS;
    const inRange = (n: number, l: { min: number; max: number }) => Number.isInteger(n) && n >= l.min && n <= l.max;
    if (!inRange(batchSize, limits.ingestBatchSize)) {
      throw new Error(`batchSize must be a whole number from 1 to 10000, got ${batchSize}`);
    }
    if (!inRange(window.toSeconds({ integral: false }), limits.ingestMaxBatchingWindowSeconds)) {
      throw new Error(`maxBatchingWindow must be 0 to 300 whole seconds, got ${window.toHumanString()}`);
    }
    if (!inRange(retryAttempts, limits.ingestRetryAttempts)) {
      throw new Error(
        `retryAttempts must be -1 (until maxRecordAge) or a whole number from 0 to 10000, got ${retryAttempts}`,
      );
    }
    const failedRecordsExpiration =
      props.failedRecordsExpiration ?? Duration.days(APP_CONFIG_DEFAULTS.failedRecordsRetentionDays);
    const expirationDays = failedRecordsExpiration.toDays({ integral: false });
    if (!inRange(expirationDays, limits.failedRecordsRetentionDays)) {
      throw new Error(
        `failedRecordsExpiration must be 1 to 3650 whole days, got ${failedRecordsExpiration.toHumanString()}`,
      );
    }
    const ageSeconds = maxRecordAge.toSeconds({ integral: false });
    if (!Number.isInteger(ageSeconds) || ageSeconds < 60 || ageSeconds > 604800) {
      throw new Error(`maxRecordAge must be 60 to 604800 whole seconds, got ${maxRecordAge.toHumanString()}`);
    }
    const timeout = props.timeout ?? Duration.seconds(FUNCTION_TIMEOUT_SECONDS);
    // Shorter, and an invocation could time out inside a record it started in good faith: it reports nothing then.
    if (timeout.toMilliseconds() < RECORD_START_BUDGET_MILLIS || timeout.toSeconds() > 900) {
      throw new Error(
        `timeout must be ${Math.ceil(RECORD_START_BUDGET_MILLIS / 1000)} s (the worst case of one record, see functions/shared/time-budget.ts) to 900 s, got ${timeout.toHumanString()}`,
      );
    }
    if (!inRange(retentionDays, limits.quarantineRetentionDays)) {
      throw new Error(`quarantineRetentionDays must be a whole number from 1 to 3650, got ${retentionDays}`);
    }

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Our own role instead of AWSLambdaBasicExecutionRole: logs to this log group only, plus the grants below.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Ingest function: read its stream, PutItem on its two tables, GetItem on readings, write its logs.',
    });
    this.logGroup.grantWrite(this.role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: INGEST_ENTRY,
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout,
      role: this.role,
      logGroup: this.logGroup,
      description: 'Kinesis stream records -> deduplicated readings in DynamoDB, bad input quarantined',
      environment: {
        POWERTOOLS_SERVICE_NAME: INGEST_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: INGEST_METRICS_NAMESPACE,
        QUARANTINE_RETENTION_DAYS: String(retentionDays),
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        sourceMap: true,
        sourcesContent: false,
        minify: true,
        // Bundle the pinned AWS SDK instead of the runtime's copy: the code runs with the versions it was tested with.
        externalModules: [],
        forceDockerBundling: false,
      },
    });

    // Grant and configure in one place: each table's name goes with exactly the actions the handler uses.
    for (const [variable, table] of [
      ['READINGS_TABLE_NAME', props.readingsTable],
      ['QUARANTINE_TABLE_NAME', props.quarantineTable],
    ] as const) {
      // On the table only: table.grant() would add the quarantine table's index ARNs, where PutItem means nothing.
      iam.Grant.addToPrincipal({
        grantee: this.function,
        actions: [...INGEST_TABLE_ACTIONS],
        resourceArns: [table.tableArn],
      });
      this.function.addEnvironment(variable, table.tableName);
    }
    iam.Grant.addToPrincipal({
      grantee: this.function,
      actions: [...INGEST_READINGS_READ_ACTIONS],
      resourceArns: [props.readingsTable.tableArn],
    });

    this.failedRecordsBucket = new s3.Bucket(this, 'FailedRecordsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: false,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'ExpireFailedBatches', expiration: failedRecordsExpiration }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Retries bounded by age, not count (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html): Lambda
    // retries a failing batch at once, without backoff, so 500 retries are spent in about half an hour of throttling,
    // KMS or permission trouble. MaximumRetryAttempts -1 with a bounded MaximumRecordAgeInSeconds retries until the
    // record is maxRecordAge old, then bisection has already narrowed the batch to the failing records and the
    // on-failure destination keeps them (API: https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html).
    // Bad input never reaches these retries: the handler quarantines it and reports only infrastructure failures.
    this.eventSource = new KinesisEventSource(props.stream, {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize,
      maxBatchingWindow: window,
      reportBatchItemFailures: true,
      bisectBatchOnError: true,
      retryAttempts,
      maxRecordAge,
      onFailure: new FailedRecordsBucketDestination(this.failedRecordsBucket),
      // Publishes OnFailureDestinationDeliveredEventCount and DroppedEventCount, which the monitoring alarms on.
      metricsConfig: { metrics: [lambda.MetricType.EVENT_COUNT] },
    });
    this.function.addEventSource(this.eventSource);

    const bucketLogicalId = Stack.of(this).getLogicalId(this.failedRecordsBucket.node.defaultChild as s3.CfnBucket);
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/*]`,
      reason:
        'Lambda names the failed-batch objects itself; s3:PutObject needs the object wildcard of this one bucket, ' +
        'which holds nothing else.',
    });
    Validations.of(this.failedRecordsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only the Lambda service writes here (failed batches, rare); an access-log bucket would itself need one. ' +
        'Enable CloudTrail S3 data events if an audit of reads is required.',
    });
  }
}
