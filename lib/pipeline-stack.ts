/**
 * The whole pipeline in one stack: bridges (one Fargate service per feed) -> Kinesis -> ingest function -> DynamoDB,
 * with the quarantine, the raw archive in S3, alarms and a dashboard.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { type AppConfig, feedConstructId } from './app-config';
import { BridgeCluster } from './bridge-cluster';
import { BridgeService, bridgeImage } from './bridge-service';
import { IngestFunction } from './ingest-function';
import { PipelineMonitoring } from './pipeline-monitoring';
import { RawArchive } from './raw-archive';
import { ReplayPolicy } from './replay-policy';
import { ReadingStream } from './reading-stream';
import { ReadingsStore } from './readings-store';

/** Properties of {@link PipelineStack}. */
export interface PipelineStackProps extends StackProps {
  /** The validated app configuration (from CDK context, see `app-config.ts`). */
  readonly config: AppConfig;
  /**
   * The bridge container image.
   * @default - built from bridge/Dockerfile with the repository root as context
   */
  readonly bridgeImage?: ecs.ContainerImage;
}

/** Longest maxRecordAge Lambda allows on a stream event source. */
const MAX_RECORD_AGE_LIMIT = Duration.days(7);

/** The meter readings pipeline. */
export class PipelineStack extends Stack {
  /** The readings and quarantine tables. */
  public readonly store: ReadingsStore;
  /** The Kinesis stream. */
  public readonly readingStream: ReadingStream;
  /** The ingest function. */
  public readonly ingest: IngestFunction;
  /** Where the bridges run. */
  public readonly bridgeCluster: BridgeCluster;
  /** One bridge per feed, in the order of the configuration. */
  public readonly bridges: readonly BridgeService[];
  /** The raw archive of every stream record and its archiver. */
  public readonly archive: RawArchive;
  /** What an operator's role needs to run the replay tool. */
  public readonly replayPolicy: ReplayPolicy;
  /** Alarms, topic and dashboard. */
  public readonly monitoring: PipelineMonitoring;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { config } = props;
    if (config.feeds.length === 0) throw new Error('config.feeds must hold at least one feed, got none');

    this.store = new ReadingsStore(this, 'ReadingsStore', { readingsCapacity: config.readingsCapacity });
    this.readingStream = new ReadingStream(this, 'ReadingStream', {
      streamMode: config.streamMode === 'PROVISIONED' ? kinesis.StreamMode.PROVISIONED : kinesis.StreamMode.ON_DEMAND,
      ...(config.shardCount === undefined ? {} : { shardCount: config.shardCount }),
      retentionPeriod: Duration.hours(config.streamRetentionHours),
    });
    const stream = this.readingStream.stream;

    // Give a failing record until an hour before Kinesis would expire it, so it is kept in the bucket, not lost: the
    // mapping retries until this age (retryAttempts -1 by default), and an hour covers the last bisected retries and
    // the write to the bucket. 24 h retention -> 23 h; 7 days is the platform's limit on MaximumRecordAgeInSeconds.
    const retentionSeconds = config.streamRetentionHours * 3600;
    const maxRecordAge = Duration.seconds(Math.min(retentionSeconds - 3600, MAX_RECORD_AGE_LIMIT.toSeconds()));
    this.ingest = new IngestFunction(this, 'Ingest', {
      stream,
      readingsTable: this.store.readingsTable,
      quarantineTable: this.store.quarantineTable,
      quarantineRetentionDays: config.quarantineRetentionDays,
      batchSize: config.ingestBatchSize,
      maxBatchingWindow: Duration.seconds(config.ingestMaxBatchingWindowSeconds),
      retryAttempts: config.ingestRetryAttempts,
      maxRecordAge,
      failedRecordsExpiration: Duration.days(config.failedRecordsRetentionDays),
    });

    this.archive = new RawArchive(this, 'RawArchive', { stream, retentionDays: config.archiveRetentionDays });
    this.replayPolicy = new ReplayPolicy(this, 'Replay', {
      archiveBucket: this.archive.bucket,
      archivePrefix: this.archive.prefix,
      failedRecordsBucket: this.ingest.failedRecordsBucket,
      quarantineTable: this.store.quarantineTable,
      stream,
    });

    // A lookup needs AWS credentials and an account/region on the stack; only done when a VPC id is given.
    const vpc = config.vpcId === undefined ? undefined : ec2.Vpc.fromLookup(this, 'Vpc', { vpcId: config.vpcId });
    this.bridgeCluster = new BridgeCluster(this, 'BridgeCluster', vpc === undefined ? {} : { vpc });
    const image = props.bridgeImage ?? bridgeImage();
    this.bridges = config.feeds.map(
      (feed) =>
        new BridgeService(this, `Bridge${feedConstructId(feed.name)}`, {
          feed,
          cluster: this.bridgeCluster,
          stream,
          image,
        }),
    );

    this.monitoring = new PipelineMonitoring(this, 'Monitoring', {
      ingest: this.ingest,
      archive: this.archive,
      stream,
      readingsTable: this.store.readingsTable,
      quarantineTable: this.store.quarantineTable,
      bridges: this.bridges,
      ...(config.alarmTopicArn === undefined
        ? {}
        : { alarmTopic: sns.Topic.fromTopicArn(this, 'AlarmTopic', config.alarmTopicArn) }),
      ...(config.alarmEmail === undefined ? {} : { alarmEmail: config.alarmEmail }),
      noDataPeriod: Duration.minutes(config.noDataAlarmMinutes),
      freshnessTarget: Duration.seconds(config.freshnessTargetSeconds),
    });

    this.addOutputs();
  }

  private addOutputs(): void {
    const out = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    const { readingsTable, quarantineTable, readersPolicy, cliPolicy } = this.store;
    out('ReadingsTableName', readingsTable.tableName, 'Readings table: pk series key, sk reading time, value');
    out('ReadingsTableArn', readingsTable.tableArn, 'Readings table ARN');
    if (readingsTable.tableStreamArn !== undefined) {
      out('ReadingsTableStreamArn', readingsTable.tableStreamArn, 'Change feed: DynamoDB stream of new readings');
    }
    out('QuarantineTableName', quarantineTable.tableName, 'Quarantine table: rejected and conflicting records');
    out('QuarantineTableArn', quarantineTable.tableArn, 'Quarantine table ARN');
    out('ReadersPolicyArn', readersPolicy.managedPolicyArn, 'Managed policy: read readings and the change feed only');
    out(
      'ReadingsCliPolicyArn',
      cliPolicy.managedPolicyArn,
      'Managed policy for the readings CLI: read readings and quarantine, replay quarantine',
    );
    out('StreamName', this.readingStream.stream.streamName, 'Kinesis stream the bridges write into');
    out('IngestFunctionName', this.ingest.function.functionName, 'Ingest Lambda function');
    out('FailedRecordsBucketName', this.ingest.failedRecordsBucket.bucketName, 'Batches the ingest gave up on');
    out(
      'ArchiveBucketName',
      this.archive.bucket.bucketName,
      `Raw archive: every stream record, under ${this.archive.prefix}`,
    );
    out('ReplayPolicyArn', this.replayPolicy.policy.managedPolicyArn, 'Managed policy: run npm run replay');
    out('ArchiveFunctionName', this.archive.function.functionName, 'Archiver Lambda function');
    out('AlarmTopicArn', this.monitoring.alarmTopic.topicArn, 'SNS topic every alarm notifies');
    out('DashboardName', this.monitoring.dashboard.dashboardName, 'CloudWatch dashboard of the pipeline');
    out('ClusterName', this.bridgeCluster.cluster.clusterName, 'ECS cluster of the bridges');
  }
}
