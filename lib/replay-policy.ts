/**
 * The managed policy an operator's role needs to run `npm run replay` against the deployed stack, and nothing more:
 * read its three sources (the raw archive, the failed-records bucket, the quarantine's index) and put records back
 * into the stream. No write to a table: the replayed records pass the deployed ingest function, which writes.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { QUARANTINE_TABLE } from '../core';
import { Construct } from 'constructs';

/** What the replay tool does with the raw archive. */
export const REPLAY_ARCHIVE_ACTIONS = { bucket: ['s3:ListBucket'], objects: ['s3:GetObject'] } as const;

/** What it does with the stream (the bridge's sink: tools/replay/replay-run.ts) and the quarantine (list by reason). */
export const REPLAY_STREAM_ACTIONS = ['kinesis:PutRecords'] as const;
export const REPLAY_QUARANTINE_ACTIONS = ['dynamodb:Query'] as const;

/** Properties of {@link ReplayPolicy}. */
export interface ReplayPolicyProps {
  /** The raw archive bucket. */
  readonly archiveBucket: s3.Bucket;
  /** The archive's key prefix. */
  readonly archivePrefix: string;
  /** The bucket the event source mapping writes the batches it gave up on to. */
  readonly failedRecordsBucket: s3.IBucket;
  /** The quarantine table (its index by reason is queried). */
  readonly quarantineTable: dynamodb.ITable;
  /** The stream the records go back into. */
  readonly stream: kinesis.IStream;
}

/** The replay operator's managed policy. */
export class ReplayPolicy extends Construct {
  /** The policy: attach it to the role that runs the replay tool. */
  public readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ReplayPolicyProps) {
    super(scope, id);
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description:
        'The replay tool (npm run replay): read the archive, the failed-records bucket and the quarantine index; put records into the stream.',
      statements: [
        new iam.PolicyStatement({
          actions: [...REPLAY_ARCHIVE_ACTIONS.bucket],
          resources: [props.archiveBucket.bucketArn],
        }),
        new iam.PolicyStatement({
          actions: [...REPLAY_ARCHIVE_ACTIONS.objects],
          resources: [props.archiveBucket.arnForObjects(`${props.archivePrefix}*`)],
        }),
        new iam.PolicyStatement({
          actions: [...REPLAY_ARCHIVE_ACTIONS.bucket],
          resources: [props.failedRecordsBucket.bucketArn],
        }),
        new iam.PolicyStatement({
          actions: [...REPLAY_ARCHIVE_ACTIONS.objects],
          resources: [props.failedRecordsBucket.arnForObjects('*')],
        }),
        new iam.PolicyStatement({
          actions: [...REPLAY_QUARANTINE_ACTIONS],
          resources: QUARANTINE_TABLE.globalSecondaryIndexes.map(
            (i) => `${props.quarantineTable.tableArn}/index/${i.indexName}`,
          ),
        }),
        new iam.PolicyStatement({ actions: [...REPLAY_STREAM_ACTIONS], resources: [props.stream.streamArn] }),
      ],
    });
    const bucketLogicalId = Stack.of(this).getLogicalId(props.archiveBucket.node.defaultChild as s3.CfnBucket);
    Validations.of(this.policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/${props.archivePrefix}*]`,
      reason: 'A replay reads whichever archive objects its time range covers: GetObject on the archive prefix only.',
    });
    const failedLogicalId = Stack.of(this).getLogicalId(props.failedRecordsBucket.node.defaultChild as s3.CfnBucket);
    Validations.of(this.policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${failedLogicalId}.Arn>/*]`,
      reason: 'Every object of the failed-records bucket is a batch the mapping gave up on: a replay reads them all.',
    });
  }
}
