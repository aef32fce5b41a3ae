/**
 * The access suite's world: the example pipeline synthesised once per test file (bundling skipped, through
 * test/cdk/support), its template resolved to concrete ARNs for a fixed account and region, and a real IAM policy
 * evaluator (`@cloud-copilot/iam-simulate`, AGPL-3.0, a devDependency used by these tests only) that decides a request
 * with the identity policies of the caller and the resource policy or key policy of the target, as AWS would.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { IConstruct } from 'constructs';
import { examplePipeline, logicalId, type Pipeline } from '../../cdk/support/pipeline';
import { type DeployTarget, IntrinsicResolver, type TemplateResource } from './intrinsics';

/** The account and region the suite deploys the template to. */
export const TARGET: DeployTarget = {
  account: '111122223333',
  region: 'eu-west-1',
  partition: 'aws',
  stackName: 'TestPipeline',
};

/** Another account, for the requests that must never be allowed. */
export const OTHER_ACCOUNT = '999988887777';

/** An IAM policy document. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly Record<string, unknown>[];
}

/** The evaluator's decision. */
export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

/** One request to evaluate. */
export interface AccessRequest {
  /** A role ARN, an account's root ARN or a service principal (`cloudwatch.amazonaws.com`). */
  readonly principal: string;
  /** The identity policies of the principal (none for a service principal). */
  readonly identityPolicies: readonly { readonly name: string; readonly policy: PolicyDocument }[];
  readonly action: string;
  readonly resource: string;
  /**
   * Request context; `aws:SecureTransport` is "true" unless given.
   * @default { 'aws:SecureTransport': 'true' }
   */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

type Resource = TemplateResource;

const asArray = <T>(v: T | readonly T[] | undefined): T[] =>
  v === undefined ? [] : Array.isArray(v) ? [...(v as T[])] : [v as T];

/** The synthesised pipeline as the evaluator sees it. */
export class AccessWorld {
  readonly resolver: IntrinsicResolver;
  private readonly resources: Readonly<Record<string, Resource>>;
  /** Resource policies (bucket, topic, key, stream, table), by the ARN they guard. */
  private readonly resourcePolicies = new Map<string, PolicyDocument[]>();

  constructor(readonly pipeline: Pipeline) {
    this.resources = pipeline.template.toJSON().Resources as Record<string, Resource>;
    this.resolver = new IntrinsicResolver(this.resources, TARGET);
    for (const [id, resource] of Object.entries(this.resources)) {
      const props = resource.Properties ?? {};
      const add = (arn: string, policy: unknown) => {
        const list = this.resourcePolicies.get(arn) ?? [];
        list.push(this.resolver.resolve(policy) as PolicyDocument);
        this.resourcePolicies.set(arn, list);
      };
      if (resource.Type === 'AWS::S3::BucketPolicy') {
        add(`arn:${TARGET.partition}:s3:::${this.resolver.resolveString(props.Bucket)}`, props.PolicyDocument);
      } else if (resource.Type === 'AWS::SNS::TopicPolicy') {
        for (const topic of asArray(props.Topics)) add(this.resolver.resolveString(topic), props.PolicyDocument);
      } else if (resource.Type === 'AWS::KMS::Key') {
        add(this.resolver.arn(id), props.KeyPolicy);
      } else if (resource.Type === 'AWS::Kinesis::ResourcePolicy') {
        add(this.resolver.resolveString(props.ResourceArn), props.ResourcePolicyDocument);
      } else if (resource.Type === 'AWS::DynamoDB::Table' && props.ResourcePolicy !== undefined) {
        add(this.resolver.arn(id), (props.ResourcePolicy as { PolicyDocument: unknown }).PolicyDocument);
      }
    }
  }

  /** The resolved ARN of a construct's CloudFormation resource. */
  arnOf(construct: IConstruct): string {
    return this.resolver.arn(logicalId(construct));
  }

  /** The logical ids of every resource of a type. */
  logicalIdsOf(type: string): string[] {
    return Object.entries(this.resources)
      .filter(([, r]) => r.Type === type)
      .map(([id]) => id);
  }

  /** A resource's resolved properties. */
  propertiesOf(logicalIdOfResource: string): Record<string, unknown> {
    const resource = this.resources[logicalIdOfResource];
    if (resource === undefined) throw new Error(`no resource ${logicalIdOfResource} in the template`);
    return this.resolver.resolve(resource.Properties ?? {}) as Record<string, unknown>;
  }

  /**
   * Every identity policy of the role with this logical id: inline policies, `AWS::IAM::Policy` and customer managed
   * policies attached to it. An AWS managed policy (`ManagedPolicyArns`) cannot be read offline: it throws.
   */
  identityPoliciesOfRole(roleLogicalId: string): { name: string; policy: PolicyDocument }[] {
    const role = this.resources[roleLogicalId];
    if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleLogicalId} is not an AWS::IAM::Role`);
    const out: { name: string; policy: PolicyDocument }[] = [];
    const inline = asArray(role.Properties?.Policies as { PolicyName: string; PolicyDocument: unknown }[]);
    for (const p of inline)
      out.push({ name: p.PolicyName, policy: this.resolver.resolve(p.PolicyDocument) as PolicyDocument });
    const refersToRole = (v: unknown) => (v as { Ref?: string } | undefined)?.Ref === roleLogicalId;
    for (const [id, resource] of Object.entries(this.resources)) {
      const props = resource.Properties ?? {};
      if (
        (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') &&
        asArray(props.Roles).some(refersToRole)
      ) {
        out.push({ name: id, policy: this.resolver.resolve(props.PolicyDocument) as PolicyDocument });
      }
    }
    for (const arn of asArray(role.Properties?.ManagedPolicyArns)) {
      throw new Error(`${roleLogicalId} has a managed policy the suite cannot read offline: ${JSON.stringify(arn)}`);
    }
    return out;
  }

  /** The policy document of a customer managed policy in the template. */
  managedPolicyDocument(policy: IConstruct): PolicyDocument {
    const policyLogicalId = logicalId(policy);
    const resource = this.resources[policyLogicalId];
    if (resource?.Type !== 'AWS::IAM::ManagedPolicy')
      throw new Error(`${policyLogicalId} is not an AWS::IAM::ManagedPolicy`);
    return this.resolver.resolve(resource.Properties?.PolicyDocument) as PolicyDocument;
  }

  /** A role's ARN and identity policies, as a request's principal. */
  role(roleConstruct: IConstruct): Pick<AccessRequest, 'principal' | 'identityPolicies'> {
    const id = logicalId(roleConstruct);
    return { principal: this.resolver.arn(id), identityPolicies: this.identityPoliciesOfRole(id) };
  }

  /** The resource policies that guard an ARN: the ARN's own, or its parent's (a bucket's for its objects). */
  resourcePoliciesFor(resourceArn: string): PolicyDocument[] {
    const out: PolicyDocument[] = [];
    for (const [arn, policies] of this.resourcePolicies) {
      if (resourceArn === arn || resourceArn.startsWith(`${arn}/`)) out.push(...policies);
    }
    return out;
  }

  /** The evaluator's decision on one request, with the template's resource policy (or key policy) of the target. */
  async decide(request: AccessRequest): Promise<Decision> {
    const policies = this.resourcePoliciesFor(request.resource);
    const resourcePolicy =
      policies.length === 0
        ? undefined
        : { Version: '2012-10-17', Statement: policies.flatMap((p) => asArray(p.Statement)) };
    const context: Record<string, string | string[]> = { 'aws:SecureTransport': 'true' };
    for (const [k, v] of Object.entries(request.context ?? {})) context[k] = typeof v === 'string' ? v : [...v];
    const result = await runSimulation(
      {
        request: {
          principal: request.principal,
          action: request.action,
          resource: { resource: request.resource, accountId: TARGET.account },
          contextVariables: context,
        },
        identityPolicies: request.identityPolicies.map((p) => ({ name: p.name, policy: p.policy })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(resourcePolicy === undefined ? {} : { resourcePolicy }),
      },
      {},
    );
    if (result.resultType === 'error') {
      throw new Error(
        `the evaluator refused ${request.action} on ${request.resource} by ${request.principal}: ${JSON.stringify(result.errors)}`,
      );
    }
    return result.overallResult as Decision;
  }
}

let cached: AccessWorld | undefined;

/** The access world of the example pipeline, built once per test file. */
export function accessWorld(): AccessWorld {
  cached ??= new AccessWorld(examplePipeline());
  return cached;
}
