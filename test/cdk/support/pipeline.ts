/**
 * Builds the pipeline stack for template tests: bundling skipped, the example feeds from cdk.json unless a test
 * gives its own context, and the real bridge image asset (staging it needs bridge/Dockerfile).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, CfnElement, Stack, type StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { type AppConfig, type ContextKey, parseAppConfig } from '../../../lib/app-config';
import { PipelineStack } from '../../../lib/pipeline-stack';

/** The repository root. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** The context in cdk.json: the two example feeds. */
export const EXAMPLE_CONTEXT: Readonly<Record<string, unknown>> = JSON.parse(
  fs.readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8'),
).context;

/** The example configuration, with overrides. */
export function exampleConfig(overrides: Partial<Record<ContextKey, unknown>> = {}): AppConfig {
  const context: Record<string, unknown> = { ...EXAMPLE_CONTEXT, ...overrides };
  return parseAppConfig((key) => context[key]);
}

/** A synthesised pipeline: the app, the stack and its template. */
export interface Pipeline {
  readonly app: App;
  readonly stack: PipelineStack;
  readonly template: Template;
}

/** Builds the stack (bundling skipped) and synthesises its template. */
export function buildPipeline(
  config: AppConfig = exampleConfig(),
  stackProps: Omit<StackProps, 'description'> = {},
  context: Record<string, unknown> = {},
): Pipeline {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new PipelineStack(app, 'TestPipeline', { config, ...stackProps });
  return { app, stack, template: Template.fromStack(stack) };
}

let cached: Pipeline | undefined;

/** The example pipeline, built once per test file. */
export function examplePipeline(): Pipeline {
  cached ??= buildPipeline();
  return cached;
}

/** The logical id of a construct's CloudFormation resource in its stack. */
export function logicalId(construct: IConstruct): string {
  const resource = construct.node.defaultChild;
  if (!(resource instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).getLogicalId(resource);
}

/** An existing VPC (private subnets with a NAT, public subnets) as a vpcId lookup would return it, so no AWS call. */
export const EXISTING_VPC = {
  vpcId: 'vpc-0123456789abcdef0',
  env: { account: '123456789012', region: 'eu-west-1' },
  context: {
    'vpc-provider:account=123456789012:filter.vpc-id=vpc-0123456789abcdef0:region=eu-west-1:returnAsymmetricSubnets=true':
      {
        vpcId: 'vpc-0123456789abcdef0',
        vpcCidrBlock: '10.0.0.0/16',
        ownerAccountId: '123456789012',
        availabilityZones: [],
        subnetGroups: [
          {
            name: 'Private',
            type: 'Private',
            subnets: [
              {
                subnetId: 'subnet-0aaaaaaaaaaaaaaa1',
                cidr: '10.0.1.0/24',
                availabilityZone: 'eu-west-1a',
                routeTableId: 'rtb-0aaaaaaaaaaaaaaa1',
              },
              {
                subnetId: 'subnet-0aaaaaaaaaaaaaaa2',
                cidr: '10.0.2.0/24',
                availabilityZone: 'eu-west-1b',
                routeTableId: 'rtb-0aaaaaaaaaaaaaaa2',
              },
            ],
          },
          {
            name: 'Public',
            type: 'Public',
            subnets: [
              {
                subnetId: 'subnet-0bbbbbbbbbbbbbbb1',
                cidr: '10.0.101.0/24',
                availabilityZone: 'eu-west-1a',
                routeTableId: 'rtb-0bbbbbbbbbbbbbbb1',
              },
              {
                subnetId: 'subnet-0bbbbbbbbbbbbbbb2',
                cidr: '10.0.102.0/24',
                availabilityZone: 'eu-west-1b',
                routeTableId: 'rtb-0bbbbbbbbbbbbbbb2',
              },
            ],
          },
        ],
      },
  },
} as const;

/** The example pipeline in the existing VPC. */
export function pipelineInExistingVpc(): Pipeline {
  return buildPipeline(exampleConfig({ vpcId: EXISTING_VPC.vpcId }), { env: EXISTING_VPC.env }, EXISTING_VPC.context);
}
