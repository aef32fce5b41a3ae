/** The ingest function, its event source mapping and its failed-records bucket in the synthesised template. */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { INGEST_METRICS_NAMESPACE, INGEST_SERVICE_NAME } from '../../functions/ingest/metric-names';
import {
  FAILURE_BUCKET_ACTIONS,
  FAILURE_BUCKET_OBJECT_ACTIONS,
  INGEST_READINGS_READ_ACTIONS,
  INGEST_TABLE_ACTIONS,
  IngestFunction,
  type IngestFunctionProps,
} from '../../lib/ingest-function';
import { FUNCTION_TIMEOUT_SECONDS, RECORD_START_BUDGET_MILLIS } from '../../functions/shared/time-budget';
import { buildPipeline, exampleConfig, examplePipeline, logicalId } from './support/pipeline';
import { resourcesOf, roleActions, rolePermissions } from './support/policies';

describe('ingest function', () => {
  const { stack, template } = examplePipeline();
  const config = exampleConfig();
  const functionId = logicalId(stack.ingest.function);
  const roleId = logicalId(stack.ingest.role);
  const streamId = logicalId(stack.readingStream.stream);
  const bucketId = logicalId(stack.ingest.failedRecordsBucket);

  it('runs functions/ingest/index.ts handler on the newest Node.js runtime, arm64, with source maps', () => {
    const fn = template.toJSON().Resources[functionId];
    expect(fn.Properties).toMatchObject({
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Role: { 'Fn::GetAtt': [roleId, 'Arn'] },
    });
    expect(fn.Properties.Environment.Variables).toEqual({
      READINGS_TABLE_NAME: { Ref: logicalId(stack.store.readingsTable) },
      QUARANTINE_TABLE_NAME: { Ref: logicalId(stack.store.quarantineTable) },
      QUARANTINE_RETENTION_DAYS: String(config.quarantineRetentionDays),
      POWERTOOLS_SERVICE_NAME: INGEST_SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: INGEST_METRICS_NAMESPACE,
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('times out after the budget derived from the DynamoDB client: two worst-case records and the reserve', () => {
    const fn = template.toJSON().Resources[functionId];
    expect(fn.Properties.Timeout).toBe(FUNCTION_TIMEOUT_SECONDS);
    expect(fn.Properties.Timeout * 1000).toBeGreaterThanOrEqual(RECORD_START_BUDGET_MILLIS);
  });

  it('logs to its own log group with a retention', () => {
    const fn = template.toJSON().Resources[functionId];
    const logGroupId = logicalId(stack.ingest.logGroup);
    expect(fn.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logGroupId } });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('reads its stream from the start, retrying until the record is 23 hours old, bisecting, with partial batch responses and an S3 destination', () => {
    // The platform rule (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html): Lambda retries a failing
    // batch without backoff until MaximumRetryAttempts or MaximumRecordAgeInSeconds is reached, whichever first;
    // -1 lifts the count, so only the record's age ends the retries
    // (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html). The age must be bounded
    // (-1 there would retry until Kinesis expires the record, losing it), and below the 24-hour retention.
    // two mappings on the stream: this one and the raw archive's (test/cdk/raw-archive.test.ts)
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId },
      EventSourceArn: { 'Fn::GetAtt': [streamId, 'Arn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: config.ingestBatchSize,
      MaximumBatchingWindowInSeconds: config.ingestMaxBatchingWindowSeconds,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: -1,
      // An hour before the 24-hour retention expires a record.
      MaximumRecordAgeInSeconds: 23 * 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [bucketId, 'Arn'] } } },
      MetricsConfig: { Metrics: ['EventCount'] },
    });
  });

  it('gives a record that keeps failing from a 30-minute outage every retry it needs (played as Lambda documents it)', () => {
    // GIVEN the synthesised mapping, and Lambda retrying a failing batch at once, without backoff
    // (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html): one retry per invocation, here a
    // conservative 3 s per invocation against a throttled table (the SDK's attempts, see deadline-budget.ts)
    const esm = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))[0]?.Properties as {
      MaximumRetryAttempts: number;
      MaximumRecordAgeInSeconds: number;
    };
    const invocationSeconds = 3;
    const outageSeconds = 30 * 60;
    const retriesNeeded = outageSeconds / invocationSeconds;
    // WHEN the record would be given up on
    const givesUpAfterRetries = esm.MaximumRetryAttempts === -1 ? Infinity : esm.MaximumRetryAttempts;
    const givesUpAtAgeSeconds = esm.MaximumRecordAgeInSeconds;
    // THEN the count never ends the retries; the age does, after the outage and before the stream expires the record
    expect(givesUpAfterRetries).toBeGreaterThan(retriesNeeded);
    expect(givesUpAtAgeSeconds).toBeGreaterThan(outageSeconds);
    expect(givesUpAtAgeSeconds).toBeLessThan(config.streamRetentionHours * 3600);
  });

  it('passes batch size, batching window, retries and the failed-records retention from the context', () => {
    const { template: t } = buildPipeline(
      exampleConfig({
        ingestBatchSize: 500,
        ingestMaxBatchingWindowSeconds: 5,
        ingestRetryAttempts: 20,
        streamRetentionHours: 720,
        failedRecordsRetentionDays: 30,
      }),
    );
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [{ Id: 'ExpireFailedBatches', ExpirationInDays: 30, Status: 'Enabled' }] },
    });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 5,
      MaximumRetryAttempts: 20,
      // Capped at the platform's 7 days even though the stream keeps records for 30.
      MaximumRecordAgeInSeconds: 604800,
    });
  });

  it('keeps failed batches in an encrypted, private, SSL-only bucket for 400 days', () => {
    const bucket = template.toJSON().Resources[bucketId];
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
      LifecycleConfiguration: { Rules: [{ Id: 'ExpireFailedBatches', ExpirationInDays: 400, Status: 'Enabled' }] },
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

  describe('least privilege', () => {
    it('may do exactly these actions and no more', () => {
      expect(roleActions(template, roleId)).toEqual(
        [
          // its stream, as the event source mapping needs
          'kinesis:DescribeStream',
          'kinesis:DescribeStreamConsumer',
          'kinesis:DescribeStreamSummary',
          'kinesis:GetRecords',
          'kinesis:GetShardIterator',
          'kinesis:ListShards',
          'kinesis:ListStreams',
          'kinesis:SubscribeToShard',
          // its two tables
          ...INGEST_TABLE_ACTIONS,
          ...INGEST_READINGS_READ_ACTIONS,
          // its failed-records bucket
          ...FAILURE_BUCKET_ACTIONS,
          ...FAILURE_BUCKET_OBJECT_ACTIONS,
          // its own log group
          'logs:CreateLogStream',
          'logs:PutLogEvents',
        ].sort(),
      );
    });

    it('writes with PutItem only, on exactly its two tables (no index, no other table)', () => {
      expect(INGEST_TABLE_ACTIONS).toEqual(['dynamodb:PutItem']);
      expect(resourcesOf(template, roleId, 'dynamodb:PutItem')).toEqual(
        expect.arrayContaining([
          { 'Fn::GetAtt': [logicalId(stack.store.readingsTable), 'Arn'] },
          { 'Fn::GetAtt': [logicalId(stack.store.quarantineTable), 'Arn'] },
        ]),
      );
      expect(resourcesOf(template, roleId, 'dynamodb:PutItem')).toHaveLength(2);
    });

    it('reads with GetItem on the readings table only', () => {
      expect(INGEST_READINGS_READ_ACTIONS).toEqual(['dynamodb:GetItem']);
      expect(resourcesOf(template, roleId, 'dynamodb:GetItem')).toEqual([
        { 'Fn::GetAtt': [logicalId(stack.store.readingsTable), 'Arn'] },
      ]);
    });

    it('reads its own stream only', () => {
      const kinesisResources = rolePermissions(template, roleId)
        .filter((p) => p.actions.some((a) => a.startsWith('kinesis:')))
        .flatMap((p) => p.resources);
      expect(kinesisResources).toEqual([{ 'Fn::GetAtt': [streamId, 'Arn'] }]);
    });

    it('writes objects into its failed-records bucket only', () => {
      expect(resourcesOf(template, roleId, 's3:PutObject')).toEqual([
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] },
      ]);
      expect(resourcesOf(template, roleId, 's3:ListBucket')).toEqual([{ 'Fn::GetAtt': [bucketId, 'Arn'] }]);
    });

    it('has no AWS managed policy (not even AWSLambdaBasicExecutionRole)', () => {
      const role = template.toJSON().Resources[roleId];
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    });
  });

  describe('validation', () => {
    function build(props: Partial<IngestFunctionProps>) {
      const testStack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Validation');
      const table = new dynamodb.Table(testStack, 'T', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      });
      return () =>
        new IngestFunction(testStack, 'Ingest', {
          stream: new kinesis.Stream(testStack, 'S'),
          readingsTable: table,
          quarantineTable: table,
          ...props,
        });
    }

    it.each([
      [{ batchSize: 0 }, 'batchSize must be a whole number from 1 to 10000, got 0'],
      [{ batchSize: 10001 }, 'batchSize must be a whole number from 1 to 10000, got 10001'],
      [{ maxBatchingWindow: Duration.seconds(301) }, 'maxBatchingWindow must be 0 to 300 whole seconds'],
      [
        { retryAttempts: -2 },
        'retryAttempts must be -1 (until maxRecordAge) or a whole number from 0 to 10000, got -2',
      ],
      [{ failedRecordsExpiration: Duration.hours(12) }, 'failedRecordsExpiration must be 1 to 3650 whole days'],
      [{ timeout: Duration.seconds(60) }, 'timeout must be 104 s (the worst case of one record'],
      [{ maxRecordAge: Duration.seconds(30) }, 'maxRecordAge must be 60 to 604800 whole seconds'],
      [{ maxRecordAge: Duration.days(8) }, 'maxRecordAge must be 60 to 604800 whole seconds'],
      [{ quarantineRetentionDays: 0 }, 'quarantineRetentionDays must be a whole number from 1 to 3650, got 0'],
    ])('fails for %j', (props, message) => {
      expect(build(props)).toThrow(message);
    });

    it('accepts the limits themselves', () => {
      expect(build({ batchSize: 10000, maxBatchingWindow: Duration.seconds(300), retryAttempts: 10000 })).not.toThrow();
      expect(build({ retryAttempts: -1, failedRecordsExpiration: Duration.days(3650) })).not.toThrow();
    });
  });
});
