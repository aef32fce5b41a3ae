/**
 * The cost page's "at rest" counts (`bench/stack-at-rest.ts`) against the synthesised template: what the stack keeps
 * running for one to three feeds, in the default VPC and in an existing one with private subnets.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { stackAtRest } from '../../bench/stack-at-rest';
import { buildPipeline, EXISTING_VPC, exampleConfig } from '../cdk/support/pipeline';

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** What the template keeps at rest, counted the way AWS bills it. */
function countAtRest(template: Template) {
  const resources = Object.values((template.toJSON() as { Resources: Record<string, Resource> }).Resources);
  const of = (type: string) => resources.filter((r) => r.Type === type);
  const alarmMetrics = of('AWS::CloudWatch::Alarm')
    .map((a) => a.Properties?.Metrics as { MetricStat?: unknown }[] | undefined)
    .reduce((n, metrics) => n + (metrics ? metrics.filter((m) => m.MetricStat).length : 1), 0);
  const publicIpv4Addresses = of('AWS::ECS::Service').reduce((n, s) => {
    const vpc = (s.Properties?.NetworkConfiguration as { AwsvpcConfiguration?: { AssignPublicIp?: string } })
      ?.AwsvpcConfiguration;
    return n + (vpc?.AssignPublicIp === 'ENABLED' ? Number(s.Properties?.DesiredCount ?? 1) : 0);
  }, 0);
  const containerInsights = of('AWS::ECS::Cluster').some((c) =>
    ((c.Properties?.ClusterSettings as { Name: string; Value: string }[]) ?? []).some(
      (x) => x.Name === 'containerInsights' && x.Value !== 'disabled',
    ),
  );
  return {
    secrets: of('AWS::SecretsManager::Secret').length,
    publicIpv4Addresses,
    containerInsights,
    alarmMetrics,
    dashboards: of('AWS::CloudWatch::Dashboard').length,
    kmsKeys: of('AWS::KMS::Key').length,
    bridgeTasks: of('AWS::ECS::Service').reduce((n, s) => n + Number(s.Properties?.DesiredCount ?? 1), 0),
  };
}

/** The example configuration with `n` feeds like its first. */
function withFeeds(n: number, overrides: Record<string, unknown> = {}) {
  const config = exampleConfig(overrides);
  const feeds = Array.from({ length: n }, (_, i) => ({
    ...config.feeds[0]!,
    name: `feed-${String.fromCharCode(97 + i)}`,
    clientId: `meter-bridge-${i}`,
  }));
  return { ...config, feeds };
}

describe('the stack at rest, as the cost page counts it', () => {
  it.each([1, 2, 3])('matches the template with %d feeds in the default VPC', (feeds) => {
    // GIVEN the stack with this many feeds
    const counted = countAtRest(buildPipeline(withFeeds(feeds)).template);
    // THEN the cost model counts what the template holds
    const model = stackAtRest(feeds);
    expect(counted).toEqual({
      secrets: model.secrets,
      publicIpv4Addresses: model.publicIpv4Addresses,
      containerInsights: model.containerInsightsMetrics > 0,
      alarmMetrics: model.alarmMetrics,
      dashboards: model.dashboards,
      kmsKeys: model.kmsKeys,
      bridgeTasks: feeds,
    });
  });

  it('holds no public IPv4 address in an existing VPC with private subnets', () => {
    const template = buildPipeline(
      withFeeds(2, { vpcId: EXISTING_VPC.vpcId }),
      { env: EXISTING_VPC.env },
      EXISTING_VPC.context,
    ).template;
    expect(countAtRest(template).publicIpv4Addresses).toBe(
      stackAtRest(2, { publicSubnets: false }).publicIpv4Addresses,
    );
    expect(stackAtRest(2, { publicSubnets: false }).publicIpv4Addresses).toBe(0);
  });

  it.each([0, 1.5, -1])('refuses %p feeds', (feeds) => {
    expect(() => stackAtRest(feeds)).toThrow(RangeError);
  });
});
