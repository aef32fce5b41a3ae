/**
 * cdk-nag's AwsSolutions checks find nothing unacknowledged, in the example app and its variants. cdk-nag 3 is a
 * policy validation plugin (no annotations), so the test runs the pack on the stack directly, as synth does.
 */
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  buildPipeline,
  exampleConfig,
  examplePipeline,
  pipelineInExistingVpc,
  type Pipeline,
} from './support/pipeline';

function findings(pipeline: Pipeline): string[] {
  const report = new AwsSolutionsChecks(pipeline.app).validateScope(pipeline.stack);
  return report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
}

function acknowledgements(pipeline: Pipeline): { path: string; id: string; reason: string }[] {
  return pipeline.stack.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) =>
          Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id, reason })),
        ),
    );
}

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing unacknowledged in the example app', () => {
    expect(findings(examplePipeline())).toEqual([]);
  });

  it.each([
    [
      'a provisioned stream and an alarm e-mail',
      { streamMode: 'PROVISIONED', shardCount: 1, alarmEmail: 'a@example.com' },
    ],
    ['an existing alarm topic', { alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops' }],
  ])('finds nothing unacknowledged with %s', (_name, overrides) => {
    expect(findings(buildPipeline(exampleConfig(overrides)))).toEqual([]);
  });

  it('finds nothing unacknowledged with an existing VPC', () => {
    expect(findings(pipelineInExistingVpc())).toEqual([]);
  });

  it('acknowledges only specific findings, each on its resource and with a reason', () => {
    const acks = acknowledgements(examplePipeline());
    // aws-cdk-lib acknowledges some of its own CloudFormation-Validate rules; ours are the AwsSolutions ones.
    const ids = [...new Set(acks.map((a) => a.id.replace(/^annotation::/i, '')))]
      .filter((id) => id.startsWith('AwsSolutions-'))
      .sort();
    const bucketObjects = /^AwsSolutions-IAM5\[Resource::<IngestFailedRecordsBucket[0-9A-F]{8}\.Arn>\/\*\]$/;
    const archiveObjects = /^AwsSolutions-IAM5\[Resource::<RawArchiveBucket[0-9A-F]{8}\.Arn>\/raw\/\*\]$/;
    expect(ids.filter((id) => archiveObjects.test(id))).toHaveLength(1);
    expect(ids.filter((id) => !bucketObjects.test(id) && !archiveObjects.test(id))).toEqual(
      ['AwsSolutions-ECS2', 'AwsSolutions-IAM5[Resource::*]', 'AwsSolutions-S1', 'AwsSolutions-SMG4'].sort(),
    );
    expect(ids.filter((id) => bucketObjects.test(id))).toHaveLength(1);
    for (const ack of acks.filter((a) => a.id.includes('AwsSolutions-'))) {
      expect(ack.path).not.toBe('TestPipeline');
      expect(ack.reason.length).toBeGreaterThan(60);
    }
  });
});
