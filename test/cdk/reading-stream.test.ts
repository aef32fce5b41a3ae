/** The Kinesis stream in the synthesised template: encrypted, on demand by default, retention from the context. */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { ReadingStream, type ReadingStreamProps } from '../../lib/reading-stream';
import { buildPipeline, exampleConfig, examplePipeline } from './support/pipeline';

describe('reading stream', () => {
  it('is encrypted with the AWS managed key, on demand, and keeps records 24 hours by default', () => {
    const { template } = examplePipeline();
    template.resourceCountIs('AWS::Kinesis::Stream', 1);
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      RetentionPeriodHours: 24,
    });
  });

  it('is provisioned with the shard count and retention the context sets', () => {
    const { template } = buildPipeline(
      exampleConfig({ streamMode: 'PROVISIONED', shardCount: 2, streamRetentionHours: 48 }),
    );
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      ShardCount: 2,
      RetentionPeriodHours: 48,
    });
  });

  it.each([
    [{ streamMode: kinesis.StreamMode.PROVISIONED }, 'shardCount must be a whole number from 1 to 500'],
    [{ shardCount: 2 }, 'shardCount is allowed only with StreamMode.PROVISIONED, got 2 for on-demand'],
    [
      { retentionPeriod: Duration.hours(12) },
      'retentionPeriod must be a whole number of hours from 24 to 8760, got 12',
    ],
  ] satisfies [ReadingStreamProps, string][])('fails for %j', (props, message) => {
    const stack = new Stack(new App(), 'Validation');
    expect(() => new ReadingStream(stack, 'Stream', props)).toThrow(message);
  });
});
