/** Alarms, topic and dashboard in the synthesised template. */
import { Match } from 'aws-cdk-lib/assertions';
import { BRIDGE_METRICS_NAMESPACE, BridgeMetric } from '../../bridge/src/metric-names';
import { INGEST_METRICS_NAMESPACE, IngestMetric } from '../../functions/ingest/metric-names';
import { buildPipeline, exampleConfig, examplePipeline, logicalId } from './support/pipeline';

type Alarm = { Properties: Record<string, unknown> & { AlarmName: string; AlarmDescription: unknown } };

function alarmsOf(template: ReturnType<typeof examplePipeline>['template']): Record<string, Alarm> {
  return template.findResources('AWS::CloudWatch::Alarm') as Record<string, Alarm>;
}

function alarmNamed(alarms: Record<string, Alarm>, suffix: string): Alarm['Properties'] {
  const found = Object.values(alarms).filter((a) => a.Properties.AlarmName.endsWith(`-${suffix}`));
  if (found.length !== 1) throw new Error(`expected one alarm named *-${suffix}, found ${found.length}`);
  return found[0]!.Properties;
}

describe('pipeline monitoring', () => {
  const { stack, template } = examplePipeline();
  const alarms = alarmsOf(template);
  const topicId = logicalId(stack.monitoring.alarmTopic);

  it('has the global alarms and five per feed', () => {
    const global = [
      'IngestLagWarning',
      'IngestLagCritical',
      'IngestErrors',
      'IngestThrottles',
      'IngestRetrying',
      'FailedRecordsDelivered',
      'FailedRecordsDropped',
      'StreamWriteThrottled',
      'ReadingsTableWriteThrottled',
      'QuarantineTableWriteThrottled',
      'QuarantineRate',
    ];
    const perFeed = ['Disconnected', 'Stalled', 'SessionLost', 'NoData', 'NotRunning'];
    const expected = [...global, ...['FeedA', 'FeedB'].flatMap((feed) => perFeed.map((a) => `Bridge${feed}${a}`))].map(
      (n) => `TestPipeline-${n}`,
    );
    expect(
      Object.values(alarms)
        .map((a) => a.Properties.AlarmName)
        .sort(),
    ).toEqual(expected.sort());
  });

  it('sends every alarm and its recovery to the topic, with a description of what to do', () => {
    for (const alarm of Object.values(alarms)) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topicId }]);
      expect(JSON.stringify(alarm.Properties.AlarmDescription).length).toBeGreaterThan(80);
    }
  });

  it('encrypts the topic with a rotated key that CloudWatch may use, and refuses plain HTTP', () => {
    const topic = template.toJSON().Resources[topicId];
    expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
    const key = template.toJSON().Resources[keyId];
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('subscribes the alarm e-mail address when the context gives one', () => {
    const { template: t } = buildPipeline(exampleConfig({ alarmEmail: 'ops@example.com' }));
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it('uses an existing topic when the context names one, and creates none', () => {
    const arn = 'arn:aws:sns:eu-west-1:123456789012:ops-alarms';
    const { template: t } = buildPipeline(exampleConfig({ alarmTopicArn: arn }));
    t.resourceCountIs('AWS::SNS::Topic', 0);
    t.resourceCountIs('AWS::KMS::Key', 0);
    for (const alarm of Object.values(alarmsOf(t))) expect(alarm.Properties.AlarmActions).toEqual([arn]);
  });

  it('watches the lag at a warning and a critical level, on the maximum IteratorAge', () => {
    const fn = { Ref: logicalId(stack.ingest.function) };
    for (const [name, threshold] of [
      ['IngestLagWarning', 5 * 60_000],
      ['IngestLagCritical', 60 * 60_000],
    ] as const) {
      expect(alarmNamed(alarms, name)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'IteratorAge',
        Dimensions: [{ Name: 'FunctionName', Value: fn }],
        Statistic: 'Maximum',
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
  });

  it('alarms on records the event source mapping sent to the failed-records bucket, or dropped', () => {
    for (const [name, metric] of [
      ['FailedRecordsDelivered', 'OnFailureDestinationDeliveredEventCount'],
      ['FailedRecordsDropped', 'DroppedEventCount'],
    ] as const) {
      expect(alarmNamed(alarms, name)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'EventSourceMappingUUID', Value: { Ref: expect.any(String) } }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('alarms on write throttling of the stream and of both tables, not on conditional-check failures', () => {
    expect(alarmNamed(alarms, 'StreamWriteThrottled')).toMatchObject({
      Namespace: 'AWS/Kinesis',
      MetricName: 'WriteProvisionedThroughputExceeded',
    });
    for (const [name, table] of [
      ['ReadingsTableWriteThrottled', stack.store.readingsTable],
      ['QuarantineTableWriteThrottled', stack.store.quarantineTable],
    ] as const) {
      expect(alarmNamed(alarms, name)).toMatchObject({
        Namespace: 'AWS/DynamoDB',
        MetricName: 'WriteThrottleEvents',
        Dimensions: [{ Name: 'TableName', Value: { Ref: logicalId(table) } }],
      });
    }
    expect(JSON.stringify(alarms)).not.toContain('ConditionalCheckFailedRequests');
  });

  it('alarms on the share of quarantined records, from the ingest metrics', () => {
    const alarm = alarmNamed(alarms, 'QuarantineRate');
    const metrics = alarm.Metrics as {
      Id: string;
      MetricStat?: { Metric: { Namespace: string; MetricName: string } };
    }[];
    const names = metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric.MetricName] : [])).sort();
    expect(names).toEqual(
      [IngestMetric.DuplicatesSkipped, IngestMetric.Quarantined, IngestMetric.ReadingsStored].sort(),
    );
    for (const m of metrics) if (m.MetricStat) expect(m.MetricStat.Metric.Namespace).toBe(INGEST_METRICS_NAMESPACE);
    expect(alarm).toMatchObject({ Threshold: 1, TreatMissingData: 'notBreaching' });
  });

  describe.each(exampleConfig().feeds.map((f) => [f.name, f.clientId] as const))('feed %s', (name, clientId) => {
    const id = `Bridge${name === 'feed-a' ? 'FeedA' : 'FeedB'}`;
    const dimensions = [
      { Name: 'service', Value: 'bridge' },
      { Name: 'ClientId', Value: clientId },
    ];

    it.each([
      ['Disconnected', BridgeMetric.Connected, 'Minimum', 'LessThanThreshold', 1, 'breaching'],
      ['Stalled', BridgeMetric.OldestPendingAgeMillis, 'Maximum', 'GreaterThanThreshold', 120_000, 'breaching'],
      ['SessionLost', BridgeMetric.SessionsLost, 'Sum', 'GreaterThanOrEqualToThreshold', 1, 'notBreaching'],
      ['NoData', BridgeMetric.MessagesReceived, 'Sum', 'LessThanThreshold', 1, 'breaching'],
    ])('alarms %s on %s (%s)', (alarm, metricName, statistic, comparison, threshold, missing) => {
      expect(alarmNamed(alarms, `${id}${alarm}`)).toMatchObject({
        Namespace: BRIDGE_METRICS_NAMESPACE,
        MetricName: metricName,
        Dimensions: expect.arrayContaining(dimensions),
        Statistic: statistic,
        ComparisonOperator: comparison,
        Threshold: threshold,
        TreatMissingData: missing,
      });
    });

    it('waits the configured no-data period', () => {
      expect(alarmNamed(alarms, `${id}NoData`)).toMatchObject({
        Period: exampleConfig().noDataAlarmMinutes * 60,
        EvaluationPeriods: 1,
      });
    });

    it('alarms when no task runs (Container Insights), missing data breaching', () => {
      expect(alarmNamed(alarms, `${id}NotRunning`)).toMatchObject({
        Namespace: 'ECS/ContainerInsights',
        MetricName: 'RunningTaskCount',
        Statistic: 'Minimum',
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
      });
    });
  });

  it('sets the no-data period from the context', () => {
    const t = buildPipeline(exampleConfig({ noDataAlarmMinutes: 90 })).template;
    expect(alarmNamed(alarmsOf(t), 'BridgeFeedANoData')).toMatchObject({ Period: 5400 });
  });

  it('has a dashboard', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it.each([IngestMetric.DuplicatesWithOtherFacts, IngestMetric.V1OtherRegisterStored])(
    'shows %s on the dashboard',
    (name) => {
      const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
      // the body is an Fn::Join of strings and tokens; the metric names are literal strings in it
      expect(JSON.stringify(dashboard?.Properties?.DashboardBody)).toContain(`\\"${name}\\"`);
    },
  );
});
