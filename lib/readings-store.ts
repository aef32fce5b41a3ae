/**
 * The readings store: the readings table (one item per reading identity, the contract with downstream apps) and the
 * quarantine table (rejected and conflicting records), both built from `core/table-layout.ts`.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { LEGACY_BY_REASON_INDEX, QUARANTINE_TABLE, READINGS_TABLE } from '../core';
import { addLayoutIndexes, layoutTableProps } from './table-from-layout';
import type { ReadingsCapacityConfig } from './app-config';

/** Actions that let a downstream app read readings (the table and its change feed) and nothing else. */
export const READINGS_READ_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
] as const;

/** Actions on the readings table's DynamoDB stream (the change feed) for downstream readers. */
export const READINGS_STREAM_READ_ACTIONS = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
] as const;

/** What the readings CLI (`npm run readings`) reads of the quarantine: `quarantine list` queries its indexes. */
export const QUARANTINE_READ_ACTIONS = ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query'] as const;

/** Properties of {@link ReadingsStore}. */
export interface ReadingsStoreProps {
  /**
   * What happens to the tables when they leave the stack. Readings are the product: keep them.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Whether DynamoDB refuses to delete the tables until the protection is turned off.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * Whether the quarantine table keeps its legacy `byReason` index (partition key the bare reason) next to
   * `byReasonSpread`. CloudFormation creates or deletes only one GSI per table update
   * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-dynamodb-table.html,
   * GlobalSecondaryIndexes), so the spread index is added in one deploy and the legacy one dropped in a later one
   * (docs/ingest.md, "Items written under the old keys").
   * @default true
   */
  readonly keepLegacyQuarantineIndex?: boolean;
  /**
   * The readings table's capacity. A steady meter feed is the textbook case for provisioned capacity with auto
   * scaling (at 70% utilisation about $0.26 per million writes against $0.625 on demand: docs/cost.md). Auto scaling
   * follows the average over minutes; the burst at the top of each interval is absorbed by DynamoDB's burst capacity
   * (up to 300 s of unused capacity) and, beyond it, by the ingest's retries (a throttled write is an infrastructure
   * fault: the batch is retried, nothing is quarantined or lost). The quarantine table stays on demand: it is quiet
   * until it is suddenly busy.
   * @default { mode: 'ON_DEMAND' }
   */
  readonly readingsCapacity?: ReadingsCapacityConfig;
}

/** The readings and quarantine tables, with a read-only policy for downstream apps. */
export class ReadingsStore extends Construct {
  /** The readings table: `pk` series key, `sk` reading time, `value` a Number; stream of new images. */
  public readonly readingsTable: dynamodb.Table;
  /** The quarantine table: rejected and conflicting records, expiring through its TTL attribute. */
  public readonly quarantineTable: dynamodb.Table;
  /** A managed policy that may read the readings table and its change feed, nothing else. */
  public readonly readersPolicy: iam.ManagedPolicy;
  /**
   * A managed policy for the people who run the readings CLI: everything {@link readersPolicy} reads of the readings
   * table, the quarantine's reads, and quarantine replay's writes. Nothing else (no Scan of the quarantine, no
   * UpdateItem, no other table).
   */
  public readonly cliPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ReadingsStoreProps = {}) {
    super(scope, id);
    const common: Partial<dynamodb.TableProps> = {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection ?? true,
      // The AWS managed key (aws/dynamodb): encrypted with a key the account can audit, at no monthly key cost.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    };

    const capacity = props.readingsCapacity ?? { mode: 'ON_DEMAND' };
    this.readingsTable = new dynamodb.Table(this, 'ReadingsTable', {
      ...common,
      ...layoutTableProps(READINGS_TABLE),
      ...(capacity.mode === 'PROVISIONED'
        ? {
            billingMode: dynamodb.BillingMode.PROVISIONED,
            writeCapacity: capacity.minWriteUnits,
            readCapacity: capacity.minReadUnits,
          }
        : {}),
    });
    if (capacity.mode === 'PROVISIONED') {
      const target = { targetUtilizationPercent: capacity.targetUtilizationPercent };
      this.readingsTable
        .autoScaleWriteCapacity({ minCapacity: capacity.minWriteUnits, maxCapacity: capacity.maxWriteUnits })
        .scaleOnUtilization(target);
      this.readingsTable
        .autoScaleReadCapacity({ minCapacity: capacity.minReadUnits, maxCapacity: capacity.maxReadUnits })
        .scaleOnUtilization(target);
    }
    addLayoutIndexes(this.readingsTable, READINGS_TABLE);

    this.quarantineTable = new dynamodb.Table(this, 'QuarantineTable', {
      ...common,
      ...layoutTableProps(QUARANTINE_TABLE),
    });
    const omitted = (props.keepLegacyQuarantineIndex ?? true) ? [] : [LEGACY_BY_REASON_INDEX];
    addLayoutIndexes(this.quarantineTable, QUARANTINE_TABLE, omitted);

    this.readersPolicy = new iam.ManagedPolicy(this, 'ReadersPolicy', {
      description: 'Read the meter readings table and its change feed (DynamoDB stream); nothing else.',
      statements: this.readStatements(),
    });

    const quarantineArn = this.quarantineTable.tableArn;
    this.cliPolicy = new iam.ManagedPolicy(this, 'ReadingsCliPolicy', {
      description:
        'The readings CLI (npm run readings): read readings and the quarantine; nothing else (replays: ReplayPolicy).',
      statements: [
        new iam.PolicyStatement({ actions: [...READINGS_READ_ACTIONS], resources: this.readableArns() }),
        new iam.PolicyStatement({
          actions: [...QUARANTINE_READ_ACTIONS],
          resources: [
            quarantineArn,
            ...QUARANTINE_TABLE.globalSecondaryIndexes
              .filter((i) => !omitted.includes(i.indexName))
              .map((i) => `${quarantineArn}/index/${i.indexName}`),
          ],
        }),
      ],
    });
  }

  /** Lets a principal read the readings table and its change feed, nothing else. */
  public grantReadReadings(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: [...READINGS_READ_ACTIONS],
      resourceArns: this.readableArns(),
    });
    const streamArn = this.readingsTable.tableStreamArn;
    if (streamArn === undefined) return grant;
    return grant.combine(
      iam.Grant.addToPrincipal({ grantee, actions: [...READINGS_STREAM_READ_ACTIONS], resourceArns: [streamArn] }),
    );
  }

  private readStatements(): iam.PolicyStatement[] {
    const statements = [
      new iam.PolicyStatement({ actions: [...READINGS_READ_ACTIONS], resources: this.readableArns() }),
    ];
    const streamArn = this.readingsTable.tableStreamArn;
    if (streamArn !== undefined) {
      statements.push(new iam.PolicyStatement({ actions: [...READINGS_STREAM_READ_ACTIONS], resources: [streamArn] }));
    }
    return statements;
  }

  /** The table and each of its indexes by name (no wildcard). */
  private readableArns(): string[] {
    const tableArn = this.readingsTable.tableArn;
    return [tableArn, ...READINGS_TABLE.globalSecondaryIndexes.map((i) => `${tableArn}/index/${i.indexName}`)];
  }
}
