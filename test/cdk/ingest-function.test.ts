/** The ingest function, its event source mapping and its failed-records bucket in the synthesised template. */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { INGEST_METRICS_NAMESPACE, INGEST_SERVICE_NAME } from '../../functions/ingest/metric-names';
import {
  FAILURE_BUCKET_ACTIONS,
  FAILURE_BUCKET_OBJECT_ACTIONS,
  INGEST_TABLE_ACTIONS,
  IngestFunction,
  type IngestFunctionProps,
} from '../../lib/ingest-function';
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

  it('logs to its own log group with a retention', () => {
    const fn = template.toJSON().Resources[functionId];
    const logGroupId = logicalId(stack.ingest.logGroup);
    expect(fn.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logGroupId } });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('reads its stream from the start with bounded retries, bisecting, partial batch responses and an S3 destination', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId },
      EventSourceArn: { 'Fn::GetAtt': [streamId, 'Arn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: config.ingestBatchSize,
      MaximumBatchingWindowInSeconds: config.ingestMaxBatchingWindowSeconds,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: config.ingestRetryAttempts,
      // An hour before the 24-hour retention expires a record.
      MaximumRecordAgeInSeconds: 23 * 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [bucketId, 'Arn'] } } },
      MetricsConfig: { Metrics: ['EventCount'] },
    });
  });

  it('passes batch size, batching window and retries from the context', () => {
    const { template: t } = buildPipeline(
      exampleConfig({
        ingestBatchSize: 500,
        ingestMaxBatchingWindowSeconds: 5,
        ingestRetryAttempts: 20,
        streamRetentionHours: 720,
      }),
    );
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 5,
      MaximumRetryAttempts: 20,
      // Capped at the platform's 7 days even though the stream keeps records for 30.
      MaximumRecordAgeInSeconds: 604800,
    });
  });

  it('keeps failed batches in an encrypted, private, SSL-only bucket that expires them', () => {
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
      LifecycleConfiguration: { Rules: [{ Id: 'ExpireFailedBatches', ExpirationInDays: 90, Status: 'Enabled' }] },
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
      [{ retryAttempts: -1 }, 'retryAttempts must be a whole number from 0 to 10000, got -1'],
      [{ maxRecordAge: Duration.seconds(30) }, 'maxRecordAge must be 60 to 604800 whole seconds'],
      [{ maxRecordAge: Duration.days(8) }, 'maxRecordAge must be 60 to 604800 whole seconds'],
      [{ quarantineRetentionDays: 0 }, 'quarantineRetentionDays must be a whole number from 1 to 3650, got 0'],
    ])('fails for %j', (props, message) => {
      expect(build(props)).toThrow(message);
    });

    it('accepts the limits themselves', () => {
      expect(build({ batchSize: 10000, maxBatchingWindow: Duration.seconds(300), retryAttempts: 10000 })).not.toThrow();
    });
  });
});
