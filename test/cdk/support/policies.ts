/**
 * Reads the IAM permissions a role really holds in a synthesised template (inline policies, attached
 * `AWS::IAM::Policy` resources and customer managed policies), so tests can check exact action lists.
 */
import type { Template } from 'aws-cdk-lib/assertions';

/** One Allow statement, normalised: actions and resources sorted, as rendered in the template. */
export interface Permission {
  readonly actions: readonly string[];
  readonly resources: readonly unknown[];
}

type Resource = { Type: string; Properties?: Record<string, unknown> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const sortKey = (v: unknown) => JSON.stringify(v);

function refersTo(value: unknown, logicalId: string): boolean {
  return typeof value === 'object' && value !== null && (value as { Ref?: string }).Ref === logicalId;
}

/** Every Allow statement attached to the role with this logical id. */
export function rolePermissions(template: Template, roleLogicalId: string): Permission[] {
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const role = resources[roleLogicalId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleLogicalId} is not an AWS::IAM::Role in the template`);
  const statements: Statement[] = [];
  for (const inline of asArray(role.Properties?.Policies as { PolicyDocument: { Statement: Statement[] } }[])) {
    statements.push(...inline.PolicyDocument.Statement);
  }
  for (const resource of Object.values(resources)) {
    const props = resource.Properties ?? {};
    if (
      resource.Type === 'AWS::IAM::Policy' &&
      asArray(props.Roles as unknown[]).some((r) => refersTo(r, roleLogicalId))
    ) {
      statements.push(...(props.PolicyDocument as { Statement: Statement[] }).Statement);
    }
    if (
      resource.Type === 'AWS::IAM::ManagedPolicy' &&
      asArray(props.Roles as unknown[]).some((r) => refersTo(r, roleLogicalId))
    ) {
      statements.push(...(props.PolicyDocument as { Statement: Statement[] }).Statement);
    }
  }
  for (const arn of asArray(role.Properties?.ManagedPolicyArns as unknown[])) {
    throw new Error(`${roleLogicalId} has a managed policy attached (${JSON.stringify(arn)}); expected none`);
  }
  return statements
    .filter((s) => s.Effect === 'Allow')
    .map((s) => ({
      actions: [...asArray(s.Action)].sort(),
      resources: [...asArray(s.Resource as unknown)].sort((a, b) => sortKey(a).localeCompare(sortKey(b))),
    }));
}

/** Every action the role may perform, sorted and unique. */
export function roleActions(template: Template, roleLogicalId: string): string[] {
  return [...new Set(rolePermissions(template, roleLogicalId).flatMap((p) => p.actions))].sort();
}

/** The resources the role may perform one action on. */
export function resourcesOf(template: Template, roleLogicalId: string, action: string): unknown[] {
  return rolePermissions(template, roleLogicalId)
    .filter((p) => p.actions.includes(action))
    .flatMap((p) => p.resources);
}
