/** The readings and quarantine tables in the synthesised template: built from core's layout, protected, retained. */
import { Match } from 'aws-cdk-lib/assertions';
import { QUARANTINE_TABLE, READINGS_TABLE, type TableLayout } from '../../core';
import { READINGS_READ_ACTIONS, READINGS_STREAM_READ_ACTIONS } from '../../lib/readings-store';
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

  it("expires quarantine items through the layout's TTL attribute and indexes them byReason", () => {
    const props = template.toJSON().Resources[logicalId(stack.store.quarantineTable)].Properties;
    expect(props.TimeToLiveSpecification).toEqual({
      AttributeName: QUARANTINE_TABLE.timeToLiveAttribute,
      Enabled: true,
    });
    const [index] = QUARANTINE_TABLE.globalSecondaryIndexes;
    expect(props.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: index!.indexName,
        KeySchema: [
          { AttributeName: index!.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: index!.sortKey.name, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
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
