/** The raw archive bucket and its archiver (a second consumer of the stream) in the synthesised template. */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { ARCHIVE_METRICS_NAMESPACE, ARCHIVE_SERVICE_NAME } from '../../functions/archive/metric-names';
import { ARCHIVE_OBJECT_ACTIONS, RawArchive, type RawArchiveProps } from '../../lib/raw-archive';
import { buildPipeline, exampleConfig, examplePipeline, logicalId } from './support/pipeline';
import { resourcesOf, roleActions } from './support/policies';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- template JSON, checked by the assertions
type Json = any;

describe('raw archive', () => {
  const { stack, template } = examplePipeline();
  const functionId = logicalId(stack.archive.function);
  const roleId = logicalId(stack.archive.role);
  const bucketId = logicalId(stack.archive.bucket);
  const streamId = logicalId(stack.readingStream.stream);
  const resources = template.toJSON().Resources;
  const all = Object.values(resources) as { Type: string; Properties: Json }[];

  it('runs functions/archive/index.ts handler on arm64 with the bucket and prefix in its environment', () => {
    const fn = resources[functionId];
    expect(fn.Properties).toMatchObject({ Handler: 'index.handler', Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    expect(fn.Properties.Environment.Variables).toEqual({
      ARCHIVE_BUCKET_NAME: { Ref: bucketId },
      ARCHIVE_PREFIX: 'raw/',
      POWERTOOLS_SERVICE_NAME: ARCHIVE_SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: ARCHIVE_METRICS_NAMESPACE,
      NODE_OPTIONS: '--enable-source-maps',
    });
    expect(fn.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logicalId(stack.archive.logGroup) } });
  });

  it('is a second consumer of the stream: its own mapping, large batches, a 300 s window, never skipping a record', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    const mapping = all.find(
      (r) => r.Type === 'AWS::Lambda::EventSourceMapping' && r.Properties.FunctionName?.Ref === functionId,
    );
    expect(mapping?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [streamId, 'Arn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 10000,
      MaximumBatchingWindowInSeconds: 300,
      BisectBatchOnFunctionError: false,
    });
    // Unset MaximumRetryAttempts and MaximumRecordAgeInSeconds mean -1: retry until the record expires, never skip
    // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-eventsourcemapping.html).
    expect(mapping?.Properties.MaximumRetryAttempts).toBeUndefined();
    expect(mapping?.Properties.MaximumRecordAgeInSeconds).toBeUndefined();
    // The archiver reports whole-batch failure only: a partial response could checkpoint past an unwritten object.
    expect(mapping?.Properties.FunctionResponseTypes).toBeUndefined();
  });

  it('keeps the archive encrypted, private, TLS only, versioned and retained with the stack deleted', () => {
    const bucket = resources[bucketId];
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('moves objects to Standard-IA at 30 days and Glacier Instant Retrieval at 90, and expires them at the retention', () => {
    expect(resources[bucketId].Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Id: 'ArchiveToCheaperClasses',
          Prefix: 'raw/',
          Status: 'Enabled',
          Transitions: [
            { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
            { StorageClass: 'GLACIER_IR', TransitionInDays: 90 },
          ],
          ExpirationInDays: 3650,
          NoncurrentVersionExpiration: { NoncurrentDays: 30 },
        }),
        expect.objectContaining({
          Id: 'AbortIncompleteUploads',
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        }),
      ]),
    );
  });

  it('takes its retention from the context', () => {
    const { stack: s, template: t } = buildPipeline(exampleConfig({ archiveRetentionDays: '400' }));
    const rules = t.toJSON().Resources[logicalId(s.archive.bucket)].Properties.LifecycleConfiguration.Rules;
    expect(rules).toEqual(expect.arrayContaining([expect.objectContaining({ ExpirationInDays: 400 })]));
  });

  it('fails synth with a retention below the Glacier transition minimum, naming the value', () => {
    expect(() => exampleConfig({ archiveRetentionDays: 30 })).toThrow(
      'archiveRetentionDays: got 30; allowed: a whole number from 180 to 36500',
    );
  });

  it('may read its stream and PutObject under its prefix, nothing more', () => {
    expect(roleActions(template, roleId)).toEqual(
      [
        'kinesis:DescribeStream',
        'kinesis:DescribeStreamConsumer',
        'kinesis:DescribeStreamSummary',
        'kinesis:GetRecords',
        'kinesis:GetShardIterator',
        'kinesis:ListShards',
        'kinesis:ListStreams',
        'kinesis:SubscribeToShard',
        ...ARCHIVE_OBJECT_ACTIONS,
        'logs:CreateLogStream',
        'logs:PutLogEvents',
      ].sort(),
    );
    expect(resourcesOf(template, roleId, 's3:PutObject')).toEqual([
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/raw/*']] },
    ]);
  });

  it('has lag, error and throttle alarms like the ingest function', () => {
    const alarms = all.filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    const named = (suffix: string) => alarms.find((a) => String(a.Properties.AlarmName).endsWith(`-${suffix}`));
    const fnDimension = [{ Name: 'FunctionName', Value: { Ref: functionId } }];
    for (const [name, metric] of [
      ['ArchiveLagWarning', 'IteratorAge'],
      ['ArchiveLagCritical', 'IteratorAge'],
      ['ArchiveErrors', 'Errors'],
      ['ArchiveThrottles', 'Throttles'],
    ] as const) {
      expect(named(name)?.Properties).toMatchObject({ MetricName: metric, Dimensions: fnDimension });
      expect(named(name)?.Properties.AlarmActions).toHaveLength(1);
    }
    // The window (300 s) holds records back by design: the warning sits that far above the ingest's.
    const ingestWarning = named('IngestLagWarning')?.Properties.Threshold as number;
    expect(named('ArchiveLagWarning')?.Properties.Threshold).toBe(ingestWarning + 300_000);
    expect(named('ArchiveLagCritical')?.Properties.Threshold).toBeGreaterThan(ingestWarning + 300_000);
    // A dead archiver makes no IteratorAge: the stall alarm compares what the stream received with what was archived.
    const stalled = named('ArchiveStalled')?.Properties;
    expect(stalled?.Metrics.map((m: Json) => m.Expression).filter(Boolean)).toEqual([
      'IF(FILL(incoming, 0) > 0 AND FILL(archived, 0) == 0, 1, 0)',
    ]);
  });

  it('outputs the bucket name for the replay tool', () => {
    template.hasOutput('ArchiveBucketName', { Value: { Ref: bucketId } });
  });

  describe('fails on props outside the platform limits, naming the value', () => {
    const build = (props: Partial<RawArchiveProps>) => () => {
      const s = new Stack(new App(), 'S');
      new RawArchive(s, 'A', { stream: new kinesis.Stream(s, 'Stream'), ...props });
    };
    it.each([
      [{ retentionDays: 10 }, 'retentionDays must be a whole number from 180 to 36500, got 10'],
      [{ batchSize: 20000 }, 'batchSize must be a whole number from 1 to 10000, got 20000'],
      [{ maxBatchingWindow: Duration.minutes(10) }, 'maxBatchingWindow must be 0 to 300 whole seconds, got 10 minutes'],
      [{ prefix: 'raw' }, 'prefix must be path segments each ending with "/" (such as "raw/"), got "raw"'],
    ])('fails with %j', (props, message) => {
      expect(build(props)).toThrow(message);
    });
  });
});
