/**
 * The pipeline's alarms and dashboard. Every alarm notifies one SNS topic and says in its description what it means
 * and what to do (docs/deploy.md has the same list at more length).
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { BridgeMetric } from '../bridge/src/metric-names';
import { IngestMetric } from '../functions/ingest/metric-names';
import { feedConstructId } from './app-config';
import type { BridgeService } from './bridge-service';
import type { IngestFunction } from './ingest-function';
import type { RawArchive } from './raw-archive';
import { ArchiveMetric } from '../functions/archive/metric-names';
import {
  archiveMetric,
  bridgeMetric,
  eventSourceMappingMetric,
  ingestMetric,
  type IngestMetricName,
  runningTaskCountMetric,
  writeThrottleEventsMetric,
} from './pipeline-metrics';

/** Properties of {@link PipelineMonitoring}. */
export interface PipelineMonitoringProps {
  /** The ingest function, its event source mapping and failed-records bucket. */
  readonly ingest: IngestFunction;
  /**
   * The raw archive's archiver, watched like the ingest function (lag, errors, throttles).
   * @default - no archive alarms
   */
  readonly archive?: RawArchive;
  /** The stream the bridges write into. */
  readonly stream: kinesis.IStream;
  /** The readings table. */
  readonly readingsTable: dynamodb.ITable;
  /** The quarantine table. */
  readonly quarantineTable: dynamodb.ITable;
  /** The bridges, one per feed. */
  readonly bridges: readonly BridgeService[];
  /**
   * An existing SNS topic for the alarms.
   * @default - a new topic, encrypted with a customer managed key that CloudWatch may use
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * An e-mail address subscribed to the new alarm topic (not allowed with `alarmTopic`).
   * @default - no subscription
   */
  readonly alarmEmail?: string;
  /**
   * How long a feed may deliver no message before the no-data alarm fires (whole minutes, 1 minute to 1 day).
   * @default Duration.minutes(30)
   */
  readonly noDataPeriod?: Duration;
  /**
   * How old a reading may be when it reaches the table. The lag alarms derive from it: the warning at the target,
   * the critical alarm at {@link LAG_CRITICAL_FACTOR} times it.
   * @default Duration.seconds(60)
   */
  readonly freshnessTarget?: Duration;
  /**
   * Age of the oldest unread stream record that raises the lag warning.
   * @default - the freshness target
   */
  readonly iteratorAgeWarning?: Duration;
  /**
   * Age of the oldest unread stream record that raises the critical lag alarm; keep it well below the stream's
   * retention, when records start to expire.
   * @default - five times the freshness target
   */
  readonly iteratorAgeCritical?: Duration;
  /**
   * Minutes of each of the two consecutive periods in which the stream received records and the function processed
   * none that raise the stalled-ingest alarm.
   * @default 5
   */
  readonly stallPeriodMinutes?: number;
  /**
   * Minutes a bridge may be disconnected (or its task missing) before its alarm fires; covers a deployment's gap.
   * @default 5
   */
  readonly disconnectedMinutes?: number;
  /**
   * Age of the oldest message a bridge holds unacknowledged that counts as stalled.
   * @default Duration.minutes(2)
   */
  readonly oldestPendingAge?: Duration;
  /**
   * Percent of processed records quarantined within 15 minutes that raises the quarantine alarm.
   * @default 1
   */
  readonly quarantineRatePercent?: number;
}

/**
 * 1 when the stream received records in a period and the ingest function counted none stored, duplicate or
 * quarantined; 0 otherwise (also when nothing arrived). FILL turns the function's silence into 0.
 */
export const STALL_EXPRESSION =
  'IF(FILL(incoming, 0) > 0 AND (FILL(stored, 0) + FILL(duplicates, 0) + FILL(quarantined, 0)) == 0, 1, 0)';

/** The critical lag alarm fires at this multiple of the freshness target (by default). */
export const LAG_CRITICAL_FACTOR = 5;

/** Alarm thresholds, resolved from the props. */
interface Thresholds {
  readonly noDataMinutes: number;
  readonly stallPeriodMinutes: number;
  readonly iteratorAgeWarningMillis: number;
  readonly iteratorAgeCriticalMillis: number;
  readonly disconnectedMinutes: number;
  readonly oldestPendingAgeMillis: number;
  readonly quarantineRatePercent: number;
}

/** The SNS topic, alarms and dashboard of the pipeline. */
export class PipelineMonitoring extends Construct {
  /** The topic every alarm notifies. */
  public readonly alarmTopic: sns.ITopic;
  /** Every alarm, by construct id. */
  public readonly alarms: cloudwatch.Alarm[] = [];
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  private readonly action: cloudwatch.IAlarmAction;
  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: PipelineMonitoringProps) {
    super(scope, id);
    const t = resolveThresholds(props);
    if (props.alarmTopic !== undefined && props.alarmEmail !== undefined) {
      throw new Error('alarmEmail is allowed only with a new topic, got both alarmEmail and alarmTopic');
    }
    this.prefix = Stack.of(this).stackName;
    this.alarmTopic = props.alarmTopic ?? this.createTopic();
    if (props.alarmEmail !== undefined) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }
    this.action = new cloudwatchActions.SnsAction(this.alarmTopic);

    const fn = props.ingest.function;
    const mappingId = props.ingest.eventSource.eventSourceMappingId;
    const minutes = (n: number) => Duration.minutes(n);

    // Lag: the ingest function falls behind the stream. IteratorAge exists only while the function is invoked, so a
    // missing datapoint is not lag; a consumer that stopped altogether is the IngestStalled alarm's job.
    const iteratorAge = fn.metric('IteratorAge', { statistic: cloudwatch.Stats.MAXIMUM, period: minutes(1) });
    const seconds = (millis: number) => `${millis / 1000} s`;
    this.alarm('IngestLagWarning', {
      metric: iteratorAge,
      threshold: t.iteratorAgeWarningMillis,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `Warning: for 2 minutes the ingest function has been more than ${seconds(t.iteratorAgeWarningMillis)} behind ` +
        'the Kinesis stream (IteratorAge): readings miss their freshness target. Check the IngestErrors, ' +
        "IngestThrottles and DynamoDB throttle alarms and the function's logs; a burst after an outage drains by itself.",
    });
    this.alarm('IngestLagCritical', {
      metric: iteratorAge,
      threshold: t.iteratorAgeCriticalMillis,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `Critical: for 2 minutes the ingest function has been more than ${seconds(t.iteratorAgeCriticalMillis)} ` +
        'behind the Kinesis stream, far past the freshness target; it is not draining by itself. Records expire at the ' +
        "end of the stream retention: act now. Look at the function's errors and logs, DynamoDB throttling, and the " +
        "function's concurrency.",
    });
    // Stall: records arrive and nothing is processed (mapping disabled, function failing at init, a missing
    // permission). The function's own counts are filled with 0, so their absence is exactly what breaches; a period
    // in which the stream received nothing evaluates to 0 (nothing happened), and so does missing data.
    const stallPeriod = minutes(t.stallPeriodMinutes);
    const processedCount = (name: IngestMetricName) =>
      ingestMetric(name, { statistic: cloudwatch.Stats.SUM, period: stallPeriod });
    this.alarm('IngestStalled', {
      metric: new cloudwatch.MathExpression({
        expression: STALL_EXPRESSION,
        usingMetrics: {
          incoming: props.stream.metricIncomingRecords({ statistic: cloudwatch.Stats.SUM, period: stallPeriod }),
          stored: processedCount(IngestMetric.ReadingsStored),
          duplicates: processedCount(IngestMetric.DuplicatesSkipped),
          quarantined: processedCount(IngestMetric.Quarantined),
        },
        label: 'Stream received records, ingest processed none (1 = yes)',
        period: stallPeriod,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `For 2 periods of ${t.stallPeriodMinutes} min the Kinesis stream received records and the ingest function ` +
        'processed none: ingest has stopped, and the lag alarms cannot see it (IteratorAge exists only while the ' +
        "function runs). Check the event source mapping is Enabled, the function's logs (init errors) and its role.",
    });
    this.alarm('IngestErrors', {
      metric: fn.metricErrors({ statistic: cloudwatch.Stats.SUM, period: minutes(5) }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        'The ingest function failed whole invocations (crash, timeout or uncaught error), so the batch is retried ' +
        "and the shard waits. Read the function's logs for the error; fix and deploy. Bad input never causes this.",
    });
    this.alarm('IngestThrottles', {
      metric: fn.metricThrottles({ statistic: cloudwatch.Stats.SUM, period: minutes(5) }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        'Lambda throttled the ingest function: the account or function ran out of concurrency, so ingest lags. ' +
        "Check other functions' concurrency in the account and raise the account limit or reserve concurrency.",
    });
    this.alarm('IngestRetrying', {
      metric: ingestMetric(IngestMetric.IngestFailures, { statistic: cloudwatch.Stats.SUM, period: minutes(5) }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        'For 15 minutes the ingest function has returned records for retry (IngestFailures: DynamoDB errors, ' +
        "throttling or timeouts). Nothing is lost yet, but the shard is held. Read the function's logs and check " +
        'DynamoDB health and throttling.',
    });
    this.alarm('FailedRecordsDelivered', {
      metric: eventSourceMappingMetric('OnFailureDestinationDeliveredEventCount', mappingId),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `Records were given up on after their retries or maximum age and written to the failed-records bucket ` +
        `(${props.ingest.failedRecordsBucket.bucketName}). They are NOT in the readings table. Fix the cause (function ` +
        'logs), then replay the records from the bucket (each object holds the batch) into the stream.',
    });
    this.alarm('FailedRecordsDropped', {
      metric: eventSourceMappingMetric('DroppedEventCount', mappingId),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        'Records were dropped without reaching the failed-records bucket (delivery to the bucket failed). Readings are ' +
        'missing. Check the bucket exists and the function role may write to it; re-read the affected range from the ' +
        'stream while it is still retained, or ask the provider to resend.',
    });
    this.alarm('StreamWriteThrottled', {
      metric: props.stream.metricWriteProvisionedThroughputExceeded({
        statistic: cloudwatch.Stats.SUM,
        period: minutes(5),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        'Kinesis throttled the bridges\u2019 writes (WriteProvisionedThroughputExceeded). The bridges retry and hold ' +
        'acknowledgements, so nothing is lost, but messages wait at the broker. Add shards (provisioned) or check for a ' +
        'burst beyond twice the previous peak (on-demand).',
    });
    for (const [name, table] of [
      ['ReadingsTable', props.readingsTable],
      ['QuarantineTable', props.quarantineTable],
    ] as const) {
      this.alarm(`${name}WriteThrottled`, {
        metric: writeThrottleEventsMetric(table.tableName),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description:
          `DynamoDB throttled writes to the ${name === 'ReadingsTable' ? 'readings' : 'quarantine'} table ` +
          '(WriteThrottleEvents; conditional-check failures, which are normal duplicates, are not counted). The ' +
          'function retries, ingest lags. Check for a hot partition (one series written very fast) or the account\u2019s ' +
          'on-demand table limits.',
      });
    }
    const quarantined = ingestMetric(IngestMetric.Quarantined, {
      statistic: cloudwatch.Stats.SUM,
      period: minutes(15),
    });
    const stored = ingestMetric(IngestMetric.ReadingsStored, { statistic: cloudwatch.Stats.SUM, period: minutes(15) });
    const duplicates = ingestMetric(IngestMetric.DuplicatesSkipped, {
      statistic: cloudwatch.Stats.SUM,
      period: minutes(15),
    });
    this.alarm('QuarantineRate', {
      metric: new cloudwatch.MathExpression({
        expression:
          'IF((FILL(q, 0) + FILL(s, 0) + FILL(d, 0)) > 0, 100 * FILL(q, 0) / (FILL(q, 0) + FILL(s, 0) + FILL(d, 0)), 0)',
        usingMetrics: { q: quarantined, s: stored, d: duplicates },
        label: 'Quarantined (% of processed records)',
        period: minutes(15),
      }),
      threshold: t.quarantineRatePercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `At least ${t.quarantineRatePercent}% of the records processed in 15 minutes were quarantined (rejected input ` +
        'or conflicting values). List them by reason (npm run readings -- quarantine list --reason R; index byReasonSpread, ' +
        'which spreads each reason over 16 keys): a new payload version needs ' +
        'a decoder update and a replay; conflicts need a word with the provider.',
    });

    if (props.archive) this.monitorArchive(props.archive, props, t);
    for (const bridge of props.bridges) this.monitorBridge(bridge, t);

    this.dashboard = this.createDashboard(props, t);
  }

  private monitorArchive(archive: RawArchive, props: PipelineMonitoringProps, t: Thresholds): void {
    const fn = archive.function;
    const minutes = (n: number) => Duration.minutes(n);
    const bucket = archive.bucket.bucketName;
    // The archiver's batching window holds records back by design: its lag warning is the ingest's plus the window.
    const warning = t.iteratorAgeWarningMillis + archive.batchingWindow.toMilliseconds();
    const critical = Math.max(t.iteratorAgeCriticalMillis, warning + 1);
    const iteratorAge = fn.metric('IteratorAge', { statistic: cloudwatch.Stats.MAXIMUM, period: minutes(1) });
    this.alarm('ArchiveLagWarning', {
      metric: iteratorAge,
      threshold: warning,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `Warning: the archiver is more than ${warning / 60000} min behind the Kinesis stream (IteratorAge). Records ` +
        `reach the raw archive (${bucket}) late; nothing is lost while they are in the stream. Check the ArchiveErrors ` +
        "alarm and the archiver's logs (S3 errors, permissions).",
    });
    this.alarm('ArchiveLagCritical', {
      metric: iteratorAge,
      threshold: critical,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `Critical: the archiver is more than ${critical / 60000} min behind the stream. A record that expires from the ` +
        'stream before it is archived is missing from the raw archive for good (it is still in the readings table if ' +
        "it was valid): act now. Read the archiver's logs; check the bucket exists and the role may PutObject.",
    });
    // Stall: records arrive and none is archived (mapping disabled, a failing init, a missing permission). The
    // archiver's counts come once per batching window, so the period is at least twice the window.
    const archiveStallPeriod = Duration.minutes(
      Math.max(t.stallPeriodMinutes, Math.ceil((2 * archive.batchingWindow.toSeconds()) / 60)),
    );
    this.alarm('ArchiveStalled', {
      metric: new cloudwatch.MathExpression({
        expression: 'IF(FILL(incoming, 0) > 0 AND FILL(archived, 0) == 0, 1, 0)',
        usingMetrics: {
          incoming: props.stream.metricIncomingRecords({ statistic: cloudwatch.Stats.SUM, period: archiveStallPeriod }),
          archived: archiveMetric(ArchiveMetric.RecordsArchived, {
            statistic: cloudwatch.Stats.SUM,
            period: archiveStallPeriod,
          }),
        },
        label: 'Stream received records, archiver archived none (1 = yes)',
        period: archiveStallPeriod,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `For 2 periods of ${archiveStallPeriod.toMinutes()} min the stream received records and the archiver archived ` +
        'none: the raw archive has stopped, and its lag alarms cannot see it. Check its event source mapping is ' +
        "Enabled, the archiver's logs (init errors) and its role.",
    });
    this.alarm('ArchiveErrors', {
      metric: fn.metricErrors({ statistic: cloudwatch.Stats.SUM, period: minutes(5) }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        'The archiver failed invocations (S3 refused or timed out a PutObject, or the function crashed): the batch ' +
        "is retried until it is written, and the shard's archive waits. Read the archiver's logs for the error.",
    });
    this.alarm('ArchiveThrottles', {
      metric: fn.metricThrottles({ statistic: cloudwatch.Stats.SUM, period: minutes(5) }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        'Lambda throttled the archiver: the account ran out of concurrency, so the archive lags. Check the ' +
        "account's concurrency and reserve some for the ingest function and the archiver.",
    });
  }

  private monitorBridge(bridge: BridgeService, t: Thresholds): void {
    const { name, clientId } = bridge.feed;
    const id = `Bridge${feedConstructId(name)}`;
    this.alarm(`${id}Disconnected`, {
      metric: bridgeMetric(BridgeMetric.Connected, clientId, { statistic: cloudwatch.Stats.MINIMUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: t.disconnectedMinutes,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      description:
        `Bridge ${name} (client id ${clientId}) has not been connected and subscribed for ${t.disconnectedMinutes} ` +
        'minutes, or reports nothing. Readings wait at the broker (nothing is lost while the session lives). Read ' +
        'its logs: refused credentials, a refused subscription or a client-id collision are logged by name.',
    });
    this.alarm(`${id}Stalled`, {
      metric: bridgeMetric(BridgeMetric.OldestPendingAgeMillis, clientId, { statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: t.oldestPendingAgeMillis,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      description:
        `Bridge ${name} holds a message unacknowledged for over ${t.oldestPendingAgeMillis / 1000} s, or reports ` +
        'nothing: Kinesis is not accepting its writes. Check the StreamWriteThrottled alarm, the bridge\u2019s logs ' +
        '(PutRecords errors, permissions) and the task.',
    });
    this.alarm(`${id}SessionLost`, {
      metric: bridgeMetric(BridgeMetric.SessionsLost, clientId, {
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(5),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `Bridge ${name} connected (a reconnect, or a new task after a deploy, crash or replacement) and the broker had ` +
        'kept no session for a client id that held one (session present = 0): messages published while it was away ' +
        'may be missing. Check gaps for the period (readings CLI) and ask the provider to resend.',
    });
    this.alarm(`${id}NoData`, {
      metric: bridgeMetric(BridgeMetric.MessagesReceived, clientId, {
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(t.noDataMinutes),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      description:
        `Bridge ${name} received no message in ${t.noDataMinutes} minutes, or reports nothing. A dead or silent feed ` +
        'builds no lag, so only this alarm sees it. Check the bridge is running and connected, then the feed\u2019s ' +
        'subscriptions with the provider.',
    });
    this.alarm(`${id}NotRunning`, {
      metric: runningTaskCountMetric(bridge.service.cluster.clusterName, bridge.service.serviceName),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: t.disconnectedMinutes,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      description:
        `No task of bridge ${name} has been running for ${t.disconnectedMinutes} minutes (Container Insights ` +
        'RunningTaskCount). Look at the ECS service\u2019s events: a failing health check, an image pull error or a ' +
        'rolled-back deployment.',
    });
  }

  private alarm(
    id: string,
    props: {
      readonly metric: cloudwatch.IMetric;
      readonly threshold: number;
      readonly comparisonOperator: cloudwatch.ComparisonOperator;
      readonly evaluationPeriods: number;
      readonly datapointsToAlarm?: number;
      readonly treatMissingData: cloudwatch.TreatMissingData;
      readonly description: string;
    },
  ): cloudwatch.Alarm {
    const { metric, description, ...rest } = props;
    const alarm = new cloudwatch.Alarm(this, id, {
      ...rest,
      metric,
      alarmName: `${this.prefix}-${id}`,
      alarmDescription: description,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }

  /**
   * The ARN pattern of this stack's alarms (`arn:<partition>:cloudwatch:<region>:<account>:alarm:<stack>-*`): the only
   * sources CloudWatch may publish for and use the topic's key for.
   */
  public alarmArnPattern(): string {
    const stack = Stack.of(this);
    return stack.formatArn({
      service: 'cloudwatch',
      resource: 'alarm',
      resourceName: `${this.prefix}-*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  private createTopic(): sns.Topic {
    // A topic policy replaces SNS's default policy, and enforceSSL's Deny allows nothing: CloudWatch must be allowed
    // explicitly, for this account's alarms of this stack only (the confused-deputy conditions of
    // https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html#source-account-versus-source-owner).
    const account = Stack.of(this).account;
    const fromOurAlarms = {
      ArnLike: { 'aws:SourceArn': this.alarmArnPattern() },
      StringEquals: { 'aws:SourceAccount': account },
    };
    // The AWS managed SNS key does not let CloudWatch publish, so the topic gets its own key that does
    // (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: "Encrypts the meter readings alarm topic; this stack's CloudWatch alarms may use it to publish.",
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisStack',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromOurAlarms,
      }),
    );
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Meter readings pipeline alarms',
      masterKey: key,
      enforceSSL: true,
    });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisStack',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: fromOurAlarms,
      }),
    );
    return topic;
  }

  private createDashboard(props: PipelineMonitoringProps, t: Thresholds): cloudwatch.Dashboard {
    const fn = props.ingest.function;
    const five = Duration.minutes(5);
    const sum = (m: cloudwatch.Metric, label: string) =>
      m.with({ statistic: cloudwatch.Stats.SUM, label, period: five });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(6),
    });
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Ingest: records by outcome (5 min)',
        width: 8,
        left: [
          ingestMetric(IngestMetric.ReadingsStored, { statistic: cloudwatch.Stats.SUM }),
          ingestMetric(IngestMetric.DuplicatesSkipped, { statistic: cloudwatch.Stats.SUM }),
          ingestMetric(IngestMetric.Quarantined, { statistic: cloudwatch.Stats.SUM }),
          ingestMetric(IngestMetric.Conflicts, { statistic: cloudwatch.Stats.SUM }),
          ingestMetric(IngestMetric.IngestFailures, { statistic: cloudwatch.Stats.SUM }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Ingest lag: IteratorAge (ms)',
        width: 8,
        left: [fn.metric('IteratorAge', { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1) })],
        leftAnnotations: [
          { value: t.iteratorAgeWarningMillis, label: 'warning', color: cloudwatch.Color.ORANGE },
          { value: t.iteratorAgeCriticalMillis, label: 'critical', color: cloudwatch.Color.RED },
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Latency (ms): bridge receive -> stored; reading age',
        width: 8,
        left: [
          ingestMetric(IngestMetric.PipelineLatency, { statistic: cloudwatch.Stats.p(99) }),
          ingestMetric(IngestMetric.PipelineLatency, { statistic: cloudwatch.Stats.AVERAGE }),
          ingestMetric(IngestMetric.ReadingAge, { statistic: cloudwatch.Stats.p(99) }),
        ],
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Ingest: duplicates with other facts; v1 readings of other registers (5 min)',
        width: 24,
        height: 4,
        left: [
          ingestMetric(IngestMetric.DuplicatesWithOtherFacts, { statistic: cloudwatch.Stats.SUM }),
          ingestMetric(IngestMetric.V1OtherRegisterStored, { statistic: cloudwatch.Stats.SUM }),
        ],
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Ingest function',
        width: 8,
        left: [
          sum(fn.metricInvocations(), 'Invocations'),
          sum(fn.metricErrors(), 'Errors'),
          sum(fn.metricThrottles(), 'Throttles'),
        ],
        right: [fn.metricDuration({ statistic: cloudwatch.Stats.p(99), period: five })],
      }),
      new cloudwatch.GraphWidget({
        title: 'Kinesis stream',
        width: 8,
        left: [sum(props.stream.metricIncomingRecords(), 'IncomingRecords')],
        right: [sum(props.stream.metricWriteProvisionedThroughputExceeded(), 'WriteProvisionedThroughputExceeded')],
      }),
      new cloudwatch.GraphWidget({
        title: 'DynamoDB writes',
        width: 8,
        left: [
          sum(props.readingsTable.metricConsumedWriteCapacityUnits(), 'Readings WCU'),
          sum(props.quarantineTable.metricConsumedWriteCapacityUnits(), 'Quarantine WCU'),
        ],
        right: [
          writeThrottleEventsMetric(props.readingsTable.tableName).with({ label: 'Readings throttles' }),
          writeThrottleEventsMetric(props.quarantineTable.tableName).with({ label: 'Quarantine throttles' }),
        ],
      }),
    );
    if (props.archive) {
      const archiver = props.archive.function;
      dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'Raw archive: records and objects written (5 min)',
          width: 8,
          left: [
            archiveMetric(ArchiveMetric.RecordsArchived, { statistic: cloudwatch.Stats.SUM }),
            sum(props.stream.metricIncomingRecords(), 'IncomingRecords'),
          ],
          right: [archiveMetric(ArchiveMetric.ArchiveObjectsWritten, { statistic: cloudwatch.Stats.SUM })],
        }),
        new cloudwatch.GraphWidget({
          title: 'Raw archive: lag, IteratorAge (ms)',
          width: 8,
          left: [archiver.metric('IteratorAge', { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1) })],
        }),
        new cloudwatch.GraphWidget({
          title: 'Archiver function',
          width: 8,
          left: [
            sum(archiver.metricInvocations(), 'Invocations'),
            sum(archiver.metricErrors(), 'Errors'),
            sum(archiver.metricThrottles(), 'Throttles'),
          ],
          right: [archiveMetric(ArchiveMetric.ArchiveBytesWritten, { statistic: cloudwatch.Stats.SUM })],
        }),
      );
    }
    for (const bridge of props.bridges) {
      const { name, clientId } = bridge.feed;
      const m = (metricName: Parameters<typeof bridgeMetric>[0], statistic: string) =>
        bridgeMetric(metricName, clientId, { statistic });
      dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `Bridge ${name}: connected, running tasks`,
          width: 6,
          left: [
            m(BridgeMetric.Connected, cloudwatch.Stats.MINIMUM),
            runningTaskCountMetric(bridge.service.cluster.clusterName, bridge.service.serviceName),
          ],
          leftYAxis: { min: 0, max: 2 },
        }),
        new cloudwatch.GraphWidget({
          title: `Bridge ${name}: messages (per minute)`,
          width: 6,
          left: [
            m(BridgeMetric.MessagesReceived, cloudwatch.Stats.SUM),
            m(BridgeMetric.RecordsWritten, cloudwatch.Stats.SUM),
            m(BridgeMetric.PutRecordsRetries, cloudwatch.Stats.SUM),
          ],
          right: [m(BridgeMetric.Reconnects, cloudwatch.Stats.SUM), m(BridgeMetric.SessionsLost, cloudwatch.Stats.SUM)],
        }),
        new cloudwatch.GraphWidget({
          title: `Bridge ${name}: pending`,
          width: 6,
          left: [m(BridgeMetric.PendingMessages, cloudwatch.Stats.MAXIMUM)],
          right: [m(BridgeMetric.OldestPendingAgeMillis, cloudwatch.Stats.MAXIMUM)],
        }),
        new cloudwatch.GraphWidget({
          title: `Bridge ${name}: forward latency (ms)`,
          width: 6,
          left: [
            m(BridgeMetric.ForwardLatencyMillis, cloudwatch.Stats.p(99)),
            m(BridgeMetric.ForwardLatencyMillis, cloudwatch.Stats.AVERAGE),
          ],
        }),
      );
    }
    return dashboard;
  }
}

function resolveThresholds(props: PipelineMonitoringProps): Thresholds {
  const noDataMinutes = (props.noDataPeriod ?? Duration.minutes(30)).toMinutes({ integral: false });
  if (!Number.isInteger(noDataMinutes) || noDataMinutes < 1 || noDataMinutes > 1440) {
    throw new Error(`noDataPeriod must be 1 to 1440 whole minutes, got ${noDataMinutes} minutes`);
  }
  const freshnessMillis = (props.freshnessTarget ?? Duration.seconds(60)).toMilliseconds();
  if (!(freshnessMillis >= 10_000 && freshnessMillis <= 3_600_000)) {
    throw new Error(`freshnessTarget must be 10 s to 1 hour, got ${freshnessMillis} ms`);
  }
  const warning = props.iteratorAgeWarning?.toMilliseconds() ?? freshnessMillis;
  const critical = props.iteratorAgeCritical?.toMilliseconds() ?? freshnessMillis * LAG_CRITICAL_FACTOR;
  const stallPeriodMinutes = props.stallPeriodMinutes ?? 5;
  if (!Number.isInteger(stallPeriodMinutes) || stallPeriodMinutes < 1 || stallPeriodMinutes > 60) {
    throw new Error(`stallPeriodMinutes must be a whole number from 1 to 60, got ${stallPeriodMinutes}`);
  }
  if (warning <= 0 || critical <= warning) {
    throw new Error(
      `iteratorAgeCritical must be above iteratorAgeWarning (both above 0), got warning ${warning} ms, critical ${critical} ms`,
    );
  }
  const disconnectedMinutes = props.disconnectedMinutes ?? 5;
  if (!Number.isInteger(disconnectedMinutes) || disconnectedMinutes < 1 || disconnectedMinutes > 60) {
    throw new Error(`disconnectedMinutes must be a whole number from 1 to 60, got ${disconnectedMinutes}`);
  }
  const oldestPendingAgeMillis = (props.oldestPendingAge ?? Duration.minutes(2)).toMilliseconds();
  if (oldestPendingAgeMillis <= 0) {
    throw new Error(`oldestPendingAge must be above 0, got ${oldestPendingAgeMillis} ms`);
  }
  const quarantineRatePercent = props.quarantineRatePercent ?? 1;
  if (!(quarantineRatePercent > 0 && quarantineRatePercent <= 100)) {
    throw new Error(`quarantineRatePercent must be above 0 and at most 100, got ${quarantineRatePercent}`);
  }
  return {
    noDataMinutes,
    stallPeriodMinutes,
    iteratorAgeWarningMillis: warning,
    iteratorAgeCriticalMillis: critical,
    disconnectedMinutes,
    oldestPendingAgeMillis,
    quarantineRatePercent,
  };
}
