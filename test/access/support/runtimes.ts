/**
 * The runtimes of the deployed system and the principal each runs as: one row per runtime. The suite reads from a
 * row's entry file every AWS call the code can make (sdk-calls.ts) and asks the evaluator whether the row's principal
 * may make it on each resource the row names for its action.
 *
 * To add a runtime (an archiver Lambda, a replay tool): add a row with its entry, its principal and, per IAM action
 * its code sends, the ARNs it sends it to. A command the code sends without a target here, a target no code sends,
 * and a source file that sends commands but is reached from no entry all fail the suite, naming the file.
 */
import type { IConstruct } from 'constructs';
import { QUARANTINE_TABLE } from '../../../core';
import { type AccessRequest, type AccessWorld, TARGET } from './access-world';

/** A runtime: code that runs in the account with one principal. */
export interface Runtime {
  /** A name for test titles, e.g. `bridge feed-a`. */
  readonly name: string;
  /** The entry file, relative to the repository root. */
  readonly entry: string;
  /** Who the code runs as. */
  readonly caller: Pick<AccessRequest, 'principal' | 'identityPolicies'>;
  /** Per IAM action the code sends, the ARNs it sends it to. */
  readonly targets: Readonly<Record<string, readonly string[]>>;
}

/** The folders whose code runs in the account (each file sending SDK commands must be reached from an entry). */
export const RUNTIME_FOLDERS = ['bridge', 'functions', 'tools', 'readings-client'] as const;

/** A role ARN a downstream team attaches the published policy to. */
export const DOWNSTREAM_ROLE_ARN = `arn:${TARGET.partition}:iam::${TARGET.account}:role/downstream-operator`;

/** The ARN of a feed's secret as Secrets Manager names it (a name gets "-" and six random characters appended). */
export function secretArn(nameOrArn: string): string {
  if (nameOrArn.startsWith('arn:')) return /-[A-Za-z0-9]{6}$/.test(nameOrArn) ? nameOrArn : `${nameOrArn}-AbC123`;
  return `arn:${TARGET.partition}:secretsmanager:${TARGET.region}:${TARGET.account}:secret:${nameOrArn}-AbC123`;
}

/** Every runtime of the example pipeline. */
export function runtimes(world: AccessWorld): Runtime[] {
  const { stack } = world.pipeline;
  const arn = (c: IConstruct) => world.arnOf(c);
  const readings = arn(stack.store.readingsTable);
  const quarantine = arn(stack.store.quarantineTable);
  const quarantineIndexes = QUARANTINE_TABLE.globalSecondaryIndexes.map((i) => `${quarantine}/index/${i.indexName}`);
  const stream = arn(stack.readingStream.stream);
  return [
    ...stack.bridges.map((bridge) => ({
      name: `bridge ${bridge.feed.name}`,
      entry: 'bridge/src/main.ts',
      caller: world.role(bridge.taskRole),
      targets: {
        'kinesis:PutRecords': [stream],
        // its credentials, and its session marker (bridge/src/session-marker.ts: read at start, written once)
        'secretsmanager:GetSecretValue': [secretArn(bridge.feed.credentialsSecret), arn(bridge.sessionMarker)],
        'secretsmanager:PutSecretValue': [arn(bridge.sessionMarker)],
      },
    })),
    {
      name: 'ingest function',
      entry: 'functions/ingest/index.ts',
      caller: world.role(stack.ingest.role),
      targets: {
        'dynamodb:PutItem': [readings, quarantine],
        // Only when a DynamoDB implementation ignores ReturnValuesOnConditionCheckFailure (reading-store.ts).
        'dynamodb:GetItem': [readings],
      },
    },
    {
      name: 'archiver',
      entry: 'functions/archive/index.ts',
      caller: world.role(stack.archive.role),
      targets: {
        // one object per shard and hour of a batch (core/raw-archive.ts)
        's3:PutObject': [
          `${arn(stack.archive.bucket)}/raw/2026/12/01/10/shardId-000000000000-49600000000000000000000000000000000000000000000000000001.ndjson.gz`,
        ],
      },
    },
    {
      name: 'replay tool',
      entry: 'tools/replay/cli.ts',
      caller: {
        principal: DOWNSTREAM_ROLE_ARN,
        identityPolicies: [{ name: 'ReplayPolicy', policy: world.managedPolicyDocument(stack.replayPolicy.policy) }],
      },
      targets: {
        's3:ListBucket': [arn(stack.archive.bucket), arn(stack.ingest.failedRecordsBucket)],
        's3:GetObject': [
          `${arn(stack.archive.bucket)}/raw/2026/12/01/10/shardId-000000000000-1.ndjson.gz`,
          `${arn(stack.ingest.failedRecordsBucket)}/aws/lambda/esm-id/shardId-000000000000/2026/12/01/batch.json`,
        ],
        // the quarantine source lists by reason (readings-client's QuarantineClient.list)
        'dynamodb:Query': quarantineIndexes,
        // the records go back into the stream through the bridge's sink
        'kinesis:PutRecords': [stream],
      },
    },
    {
      name: 'readings CLI',
      entry: 'tools/readings-cli.ts',
      caller: {
        principal: DOWNSTREAM_ROLE_ARN,
        identityPolicies: [
          {
            name: 'ReadingsCliPolicy',
            policy: world.managedPolicyDocument(stack.store.cliPolicy),
          },
        ],
      },
      targets: {
        'dynamodb:Query': [readings, ...quarantineIndexes],
      },
    },
  ];
}
