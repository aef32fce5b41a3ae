/** The readings and quarantine tables in the synthesised template: built from core's layout, protected, retained. */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import { CfnManagedPolicy } from 'aws-cdk-lib/aws-iam';
import { QUARANTINE_TABLE, READINGS_TABLE, type TableLayout } from '../../core';
import type { ReadingsCapacityConfig } from '../../lib/app-config';
import { READINGS_READ_ACTIONS, READINGS_STREAM_READ_ACTIONS, ReadingsStore } from '../../lib/readings-store';
import { examplePipeline, logicalId } from './support/pipeline';

function keySchema(layout: TableLayout) {
  return [
    { AttributeName: layout.partitionKey.name, KeyType: 'HASH' },
    { AttributeName: layout.sortKey.name, KeyType: 'RANGE' },
  ];
}

describe('readings store', () => {
  const { stack, template } = examplePipeline();

  it('creates exactly the readings and the quarantine table', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
  });

  it.each([
    ['readings', () => stack.store.readingsTable, READINGS_TABLE],
    ['quarantine', () => stack.store.quarantineTable, QUARANTINE_TABLE],
  ] as const)(
    'builds the %s table from core/table-layout.ts, on demand, encrypted, with PITR and deletion protection',
    (_name, table, layout) => {
      const resource = template.toJSON().Resources[logicalId(table())];
      expect(resource.DeletionPolicy).toBe('Retain');
      expect(resource.UpdateReplacePolicy).toBe('Retain');
      expect(resource.Properties).toMatchObject({
        KeySchema: keySchema(layout),
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      });
      // SSEEnabled without a key: KMS with the AWS managed key aws/dynamodb.
      expect(resource.Properties.SSESpecification).toEqual({ SSEEnabled: true });
      const attributes = resource.Properties.AttributeDefinitions as { AttributeName: string; AttributeType: string }[];
      for (const key of [
        layout.partitionKey,
        layout.sortKey,
        ...layout.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
      ]) {
        expect(attributes).toContainEqual({ AttributeName: key.name, AttributeType: key.type });
      }
    },
  );

  it('gives the readings table a stream of new images (the change feed) and the quarantine table none', () => {
    const resources = template.toJSON().Resources;
    expect(READINGS_TABLE.stream).toBe('NEW_IMAGE');
    expect(resources[logicalId(stack.store.readingsTable)].Properties.StreamSpecification).toEqual({
      StreamViewType: 'NEW_IMAGE',
    });
    expect(resources[logicalId(stack.store.quarantineTable)].Properties.StreamSpecification).toBeUndefined();
  });

  it("expires quarantine items through the layout's TTL attribute", () => {
    const props = template.toJSON().Resources[logicalId(stack.store.quarantineTable)].Properties;
    expect(props.TimeToLiveSpecification).toEqual({
      AttributeName: QUARANTINE_TABLE.timeToLiveAttribute,
      Enabled: true,
    });
  });

  // CloudFormation creates or deletes only one GSI per table update
  // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-dynamodb-table.html,
  // GlobalSecondaryIndexes): the spread index comes first with the legacy one kept, the legacy one goes later.
  it.each([
    ['keeps the legacy byReason index next to byReasonSpread by default', {}, ['byReasonSpread', 'byReason']],
    [
      'keeps the legacy byReason index when asked to',
      { keepLegacyQuarantineIndex: true },
      ['byReasonSpread', 'byReason'],
    ],
    ['drops the legacy byReason index when told to', { keepLegacyQuarantineIndex: false }, ['byReasonSpread']],
  ] as const)('%s: quarantine indexes by reason shard and time', (_name, props, expected) => {
    // GIVEN a readings store with these props WHEN synthesised
    const app = new App();
    const own = new Stack(app, 'Store');
    const store = new ReadingsStore(own, 'ReadingsStore', props);
    const resources = Template.fromStack(own).toJSON().Resources;
    // THEN the quarantine table has exactly these indexes, all projecting every attribute
    const indexes = resources[own.getLogicalId(store.quarantineTable.node.defaultChild as CfnTable)].Properties
      .GlobalSecondaryIndexes as { IndexName: string }[];
    expect(indexes).toEqual(
      expected.map((name) => ({
        IndexName: name,
        KeySchema: [
          { AttributeName: name === 'byReason' ? 'reason' : 'reasonShard', KeyType: 'HASH' },
          { AttributeName: 'quarantinedAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    );
    // AND the CLI may query exactly these indexes
    const cli = resources[own.getLogicalId(store.cliPolicy.node.defaultChild as CfnManagedPolicy)].Properties;
    const quarantineRead = (cli.PolicyDocument.Statement as { Resource: unknown[] }[])[1]!.Resource;
    const indexArns = JSON.stringify(quarantineRead).match(/\/index\/\w+/g);
    expect(indexArns?.sort()).toEqual(expected.map((name) => `/index/${name}`).sort());
  });

  it('offers downstream apps a managed policy that reads the readings table and its change feed only', () => {
    const policy = template.toJSON().Resources[logicalId(stack.store.readersPolicy)];
    const readings = logicalId(stack.store.readingsTable);
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: [...READINGS_READ_ACTIONS],
        Resource: { 'Fn::GetAtt': [readings, 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: [...READINGS_STREAM_READ_ACTIONS],
        Resource: { 'Fn::GetAtt': [readings, 'StreamArn'] },
      },
    ]);
    expect(READINGS_READ_ACTIONS.every((a) => /^dynamodb:(Get|BatchGet|Query|Scan|Describe)/.test(a))).toBe(true);
  });

  it.each([
    'ReadingsTableName',
    'ReadingsTableArn',
    'ReadingsTableStreamArn',
    'QuarantineTableName',
    'QuarantineTableArn',
    'ReadersPolicyArn',
    'ReadingsCliPolicyArn',
  ])('outputs %s', (name) => {
    template.hasOutput(name, { Value: Match.anyValue() });
  });
});

describe('readings store with provisioned capacity', () => {
  function synth(readingsCapacity?: ReadingsCapacityConfig) {
    const stack = new Stack(new App(), 'Capacity');
    const store = new ReadingsStore(stack, 'Store', readingsCapacity ? { readingsCapacity } : {});
    return { store, template: Template.fromStack(stack) };
  }

  it('bills the readings table by capacity units, auto scaled on utilisation, and leaves the quarantine on demand', () => {
    const { store, template } = synth({
      mode: 'PROVISIONED',
      minWriteUnits: 10,
      maxWriteUnits: 2500,
      minReadUnits: 5,
      maxReadUnits: 100,
      targetUtilizationPercent: 70,
    });
    const resources = template.toJSON().Resources;
    expect(resources[logicalId(store.readingsTable)].Properties).toMatchObject({
      ProvisionedThroughput: { WriteCapacityUnits: 10, ReadCapacityUnits: 5 },
    });
    expect(resources[logicalId(store.readingsTable)].Properties.BillingMode).toBeUndefined();
    expect(resources[logicalId(store.quarantineTable)].Properties.BillingMode).toBe('PAY_PER_REQUEST');
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ScalableDimension: 'dynamodb:table:WriteCapacityUnits',
      MinCapacity: 10,
      MaxCapacity: 2500,
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ScalableDimension: 'dynamodb:table:ReadCapacityUnits',
      MinCapacity: 5,
      MaxCapacity: 100,
    });
    template.resourcePropertiesCountIs(
      'AWS::ApplicationAutoScaling::ScalingPolicy',
      {
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 70 }),
      },
      2,
    );
  });

  it('stays on demand with no scaling by default', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    template.allResourcesProperties('AWS::DynamoDB::Table', { BillingMode: 'PAY_PER_REQUEST' });
  });
});
