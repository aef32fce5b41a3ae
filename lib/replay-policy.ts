/**
 * The managed policy an operator's role needs to run `npm run replay` against the deployed stack, and nothing more:
 * read the raw archive (list its hours, get its objects).
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** What the replay tool does with the raw archive. */
export const REPLAY_ARCHIVE_ACTIONS = { bucket: ['s3:ListBucket'], objects: ['s3:GetObject'] } as const;

/** Properties of {@link ReplayPolicy}. */
export interface ReplayPolicyProps {
  /** The raw archive bucket. */
  readonly archiveBucket: s3.Bucket;
  /** The archive's key prefix. */
  readonly archivePrefix: string;
}

/** The replay operator's managed policy. */
export class ReplayPolicy extends Construct {
  /** The policy: attach it to the role that runs the replay tool. */
  public readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ReplayPolicyProps) {
    super(scope, id);
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: 'The replay tool (npm run replay): read the raw archive; nothing else.',
      statements: [
        new iam.PolicyStatement({
          actions: [...REPLAY_ARCHIVE_ACTIONS.bucket],
          resources: [props.archiveBucket.bucketArn],
        }),
        new iam.PolicyStatement({
          actions: [...REPLAY_ARCHIVE_ACTIONS.objects],
          resources: [props.archiveBucket.arnForObjects(`${props.archivePrefix}*`)],
        }),
      ],
    });
    const bucketLogicalId = Stack.of(this).getLogicalId(props.archiveBucket.node.defaultChild as s3.CfnBucket);
    Validations.of(this.policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/${props.archivePrefix}*]`,
      reason: 'A replay reads whichever archive objects its time range covers: GetObject on the archive prefix only.',
    });
  }
}
