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
      'IngestStalled',
      'IngestErrors',
      'IngestThrottles',
      'IngestRetrying',
      'FailedRecordsDelivered',
      'FailedRecordsDropped',
      'StreamWriteThrottled',
      'ReadingsTableWriteThrottled',
      'QuarantineTableWriteThrottled',
      'QuarantineRate',
      'ArchiveLagWarning',
      'ArchiveLagCritical',
      'ArchiveStalled',
      'ArchiveErrors',
      'ArchiveThrottles',
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

  it("lets CloudWatch publish and use the key for this stack's alarms only, beside the TLS-only Deny", () => {
    // The access suite (test/access/) evaluates these statements; this pins their shape in the template.
    const fromOurAlarms = {
      ArnLike: {
        'aws:SourceArn': {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':cloudwatch:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':alarm:TestPipeline-*',
            ],
          ],
        },
      },
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    };
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: fromOurAlarms,
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Condition: fromOurAlarms }),
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

  it('watches the lag at the freshness target (60 s) and five times it, on the maximum IteratorAge', () => {
    const fn = { Ref: logicalId(stack.ingest.function) };
    for (const [name, threshold] of [
      ['IngestLagWarning', 60_000],
      ['IngestLagCritical', 5 * 60_000],
    ] as const) {
      expect(alarmNamed(alarms, name)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'IteratorAge',
        Dimensions: [{ Name: 'FunctionName', Value: fn }],
        Statistic: 'Maximum',
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanThreshold',
        Period: 60,
        EvaluationPeriods: 2,
      });
    }
  });

  it('takes the lag thresholds from the freshness target in the context', () => {
    const { template: t } = buildPipeline(exampleConfig({ freshnessTargetSeconds: 120 }));
    const own = alarmsOf(t);
    expect(alarmNamed(own, 'IngestLagWarning').Threshold).toBe(120_000);
    expect(alarmNamed(own, 'IngestLagCritical').Threshold).toBe(600_000);
  });

  describe('the stalled-ingest alarm', () => {
    const alarm = alarmNamed(alarms, 'IngestStalled');
    type Query = {
      Id: string;
      Expression?: string;
      MetricStat?: {
        Metric: { Namespace: string; MetricName: string; Dimensions: unknown[] };
        Period: number;
        Stat: string;
      };
      ReturnData?: boolean;
    };
    const queries = alarm.Metrics as Query[];
    const byId = Object.fromEntries(queries.map((q) => [q.Id, q]));

    it('fires when the stream received records and the function counted none processed, in 2 periods running', () => {
      const expression = queries.find((q) => q.Expression !== undefined);
      expect(expression?.Expression).toBe(
        'IF(FILL(incoming, 0) > 0 AND (FILL(stored, 0) + FILL(duplicates, 0) + FILL(quarantined, 0)) == 0, 1, 0)',
      );
      expect(alarm).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 2,
      });
    });

    it("compares the stream's IncomingRecords with the ingest function's own counts, summed over 5 minutes", () => {
      expect(byId.incoming?.MetricStat).toMatchObject({
        Metric: {
          Namespace: 'AWS/Kinesis',
          MetricName: 'IncomingRecords',
          Dimensions: [{ Name: 'StreamName', Value: { Ref: logicalId(stack.readingStream.stream) } }],
        },
        Period: 300,
        Stat: 'Sum',
      });
      for (const [id, name] of [
        ['stored', IngestMetric.ReadingsStored],
        ['duplicates', IngestMetric.DuplicatesSkipped],
        ['quarantined', IngestMetric.Quarantined],
      ] as const) {
        expect(byId[id]?.MetricStat).toMatchObject({
          Metric: { Namespace: INGEST_METRICS_NAMESPACE, MetricName: name },
          Period: 300,
          Stat: 'Sum',
        });
      }
    });

    it('treats missing data as not breaching: the expression is absent only when the stream received nothing', () => {
      // The function's silence is filled with 0 inside the expression (FILL), so a dead consumer breaches; the
      // expression itself has no datapoint only when none of its metrics has one, i.e. nothing arrived either.
      expect(alarm.TreatMissingData).toBe('notBreaching');
    });
  });

  // The rule for missing data: a metric absent because its emitter is dead must page; one absent because nothing
  // happened must not. Every emitter that can die (a bridge, the ingest consumer) has an alarm that pages on it.
  describe('missing data', () => {
    const rule: Record<string, readonly ['breaching' | 'notBreaching', string]> = {
      IngestLagWarning: ['notBreaching', 'IteratorAge exists only while invoked; a dead consumer is IngestStalled'],
      IngestLagCritical: ['notBreaching', 'as IngestLagWarning'],
      IngestStalled: ['notBreaching', "absent only when the stream received nothing; the function's silence is FILLed"],
      IngestErrors: ['notBreaching', 'no invocations, no errors'],
      IngestThrottles: ['notBreaching', 'no invocations, no throttles'],
      IngestRetrying: ['notBreaching', 'emitted only when records are returned for retry'],
      FailedRecordsDelivered: ['notBreaching', 'emitted only when a batch goes to the bucket'],
      FailedRecordsDropped: ['notBreaching', 'emitted only when records are dropped'],
      StreamWriteThrottled: ['notBreaching', 'emitted only with writes; a silent bridge is its own alarms'],
      ReadingsTableWriteThrottled: ['notBreaching', 'emitted only with writes'],
      QuarantineTableWriteThrottled: ['notBreaching', 'emitted only with writes'],
      QuarantineRate: ['notBreaching', 'nothing processed, nothing quarantined'],
      Disconnected: ['breaching', 'the bridge publishes Connected every minute: absent means dead'],
      Stalled: ['breaching', 'the bridge publishes OldestPendingAgeMillis every minute: absent means dead'],
      SessionLost: ['notBreaching', 'a dead bridge pages through Disconnected, Stalled and NotRunning'],
      NoData: ['breaching', 'no count from the bridge for the period: dead bridge or silent feed, both page'],
      NotRunning: ['breaching', 'Container Insights reports every minute while the service exists'],
      ArchiveLagWarning: ['notBreaching', 'as IngestLagWarning; a dead archiver is ArchiveStalled'],
      ArchiveLagCritical: ['notBreaching', 'as IngestLagWarning'],
      ArchiveStalled: [
        'notBreaching',
        "absent only when the stream received nothing; the archiver's silence is FILLed",
      ],
      ArchiveErrors: ['notBreaching', 'no invocations, no errors'],
      ArchiveThrottles: ['notBreaching', 'no invocations, no throttles'],
    };
    const suffixOf = (alarmName: string) =>
      Object.keys(rule).find(
        (k) => alarmName.endsWith(`-${k}`) || new RegExp(`-Bridge[A-Za-z0-9]+${k}$`).test(alarmName),
      );

    it('classifies every alarm of the stack', () => {
      const unclassified = Object.values(alarms)
        .map((a) => a.Properties.AlarmName)
        .filter((n) => suffixOf(n) === undefined);
      expect(unclassified).toEqual([]);
    });

    it.each(Object.entries(rule).map(([suffix, [missing, why]]) => [suffix, missing, why]))(
      '%s treats missing data as %s: %s',
      (suffix, expected) => {
        const matching = Object.values(alarms).filter((a) => suffixOf(a.Properties.AlarmName) === suffix);
        expect(matching.length).toBeGreaterThan(0);
        for (const a of matching) {
          expect({ alarm: a.Properties.AlarmName, missing: a.Properties.TreatMissingData }).toEqual({
            alarm: a.Properties.AlarmName,
            missing: expected,
          });
        }
      },
    );
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
