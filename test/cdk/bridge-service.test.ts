/** The bridge services in the synthesised template: one per feed, never two sessions, least privilege. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BRIDGE_HEALTH_PORT, BRIDGE_IMAGE_EXCLUDE, BRIDGE_STREAM_ACTIONS } from '../../lib/bridge-service';
import {
  buildPipeline,
  EXAMPLE_CONTEXT,
  exampleConfig,
  examplePipeline,
  logicalId,
  pipelineInExistingVpc,
} from './support/pipeline';
import { resourcesOf, roleActions } from './support/policies';
import { loadConfig } from '../../bridge/src/config';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/** The raw example feeds of cdk.json, for tests that change one value. */
function exampleFeeds(): Record<string, unknown>[] {
  return structuredClone(EXAMPLE_CONTEXT.feeds) as Record<string, unknown>[];
}

describe('bridge services', () => {
  const { stack, template } = examplePipeline();
  const config = exampleConfig();
  const resources = template.toJSON().Resources as Resources;

  it('runs one Fargate service per feed in one cluster with Container Insights', () => {
    expect(config.feeds).toHaveLength(2);
    template.resourceCountIs('AWS::ECS::Service', config.feeds.length);
    template.resourceCountIs('AWS::ECS::Cluster', 1);
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  it('never runs two tasks of a feed at once, and rolls a failed deployment back', () => {
    for (const bridge of stack.bridges) {
      expect(resources[logicalId(bridge.service)]!.Properties).toMatchObject({
        LaunchType: 'FARGATE',
        DesiredCount: 1,
        DeploymentConfiguration: {
          MinimumHealthyPercent: 0,
          MaximumPercent: 100,
          DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        },
        AvailabilityZoneRebalancing: 'DISABLED',
        NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'ENABLED' } },
      });
    }
  });

  it('runs a small arm64 task', () => {
    for (const bridge of stack.bridges) {
      expect(resources[logicalId(bridge.taskDefinition)]!.Properties).toMatchObject({
        Cpu: '256',
        Memory: '512',
        RequiresCompatibilities: ['FARGATE'],
        RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
        TaskRoleArn: { 'Fn::GetAtt': [logicalId(bridge.taskRole), 'Arn'] },
      });
    }
  });

  it.each(exampleConfig().feeds.map((feed, i) => [feed.name, i] as const))(
    'configures the %s container: environment, health check, stop timeout, logs',
    (_name, i) => {
      const bridge = stack.bridges[i]!;
      const feed = config.feeds[i]!;
      const [container] = resources[logicalId(bridge.taskDefinition)]!.Properties.ContainerDefinitions as Record<
        string,
        unknown
      >[];
      const env = Object.fromEntries(
        (container!.Environment as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]),
      );
      expect(env).toEqual({
        MQTT_URL: feed.brokerUrl,
        MQTT_CLIENT_ID: feed.clientId,
        MQTT_TOPICS: feed.topics.join(','),
        MQTT_CREDENTIALS_SECRET_ID: feed.credentialsSecret,
        BRIDGE_SESSION_MARKER_SECRET_ID: { Ref: logicalId(bridge.sessionMarker) },
        KINESIS_STREAM_NAME: { Ref: logicalId(stack.readingStream.stream) },
        AWS_REGION: { Ref: 'AWS::Region' },
        HEALTH_PORT: String(BRIDGE_HEALTH_PORT),
        BRIDGE_SHUTDOWN_TIMEOUT_MILLIS: '80000',
      });
      expect(container).toMatchObject({
        Essential: true,
        StopTimeout: 90,
        ReadonlyRootFilesystem: true,
        HealthCheck: {
          Command: ['CMD', 'node', '-e', expect.stringContaining(`http://127.0.0.1:${BRIDGE_HEALTH_PORT}/healthz`)],
          Interval: 30,
          Timeout: 5,
          Retries: 5,
          StartPeriod: 120,
        },
        LogConfiguration: {
          LogDriver: 'awslogs',
          Options: {
            'awslogs-group': { Ref: logicalId(bridge.logGroup) },
            'awslogs-region': { Ref: 'AWS::Region' },
            'awslogs-stream-prefix': 'bridge',
          },
        },
      });
      // The flush must end before ECS's SIGKILL.
      expect(Number(env.BRIDGE_SHUTDOWN_TIMEOUT_MILLIS)).toBeLessThan((container!.StopTimeout as number) * 1000);
      expect(resources[logicalId(bridge.logGroup)]!.Properties.RetentionInDays).toBe(30);
    },
  );

  it('passes MQTT_PROTOCOL_VERSION only when the feed sets it', () => {
    const feeds = exampleFeeds().map((f, i) => (i === 0 ? { ...f, protocolVersion: 5 } : f));
    const { stack: s, template: t } = buildPipeline(exampleConfig({ feeds }));
    const envOf = (i: number) =>
      (
        (t.toJSON().Resources[logicalId(s.bridges[i]!.taskDefinition)].Properties.ContainerDefinitions[0].Environment ??
          []) as { Name: string; Value: string }[]
      ).find((e) => e.Name === 'MQTT_PROTOCOL_VERSION')?.Value;
    expect(envOf(0)).toBe('5');
    expect(envOf(1)).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>, Record<string, string>, { clientId: string; topics: string[] }[]]>([
    [
      'split by filters',
      {
        topics: undefined,
        lanes: [['meters/outbound/example-customer-a/sub-1/#'], ['meters/outbound/example-customer-a/sub-2/#']],
      },
      {
        MQTT_LANE_TOPICS: 'meters/outbound/example-customer-a/sub-1/#;meters/outbound/example-customer-a/sub-2/#',
      },
      [
        { clientId: 'example-bridge-feed-a-1', topics: ['meters/outbound/example-customer-a/sub-1/#'] },
        { clientId: 'example-bridge-feed-a-2', topics: ['meters/outbound/example-customer-a/sub-2/#'] },
      ],
    ],
    [
      'on one shared subscription',
      { sharedGroup: 'meter-bridge', lanes: 2, protocolVersion: 5 },
      { MQTT_TOPICS: 'meters/outbound/example-customer-a/#', MQTT_SHARED_GROUP: 'meter-bridge', MQTT_LANES: '2' },
      [
        { clientId: 'example-bridge-feed-a-1', topics: ['$share/meter-bridge/meters/outbound/example-customer-a/#'] },
        { clientId: 'example-bridge-feed-a-2', topics: ['$share/meter-bridge/meters/outbound/example-customer-a/#'] },
      ],
    ],
  ])("holds a feed's lanes %s in its one task, as the bridge reads them", (_name, lanes, expected, sessions) => {
    // GIVEN a feed with lanes
    const feeds = exampleFeeds().map((f, i) => (i === 0 ? { ...f, ...lanes } : f));
    const { stack: s, template: t } = buildPipeline(exampleConfig({ feeds }));
    const resources = t.toJSON().Resources as Resources;
    const container = (
      resources[logicalId(s.bridges[0]!.taskDefinition)]!.Properties.ContainerDefinitions as {
        Environment: { Name: string; Value: unknown }[];
      }[]
    )[0]!;
    const env = Object.fromEntries(container.Environment.map((e) => [e.Name, e.Value]));
    // THEN its container gets the lane variables (and no MQTT_TOPICS beside MQTT_LANE_TOPICS)
    expect(env).toMatchObject(expected);
    if (expected.MQTT_LANE_TOPICS) expect(env.MQTT_TOPICS).toBeUndefined();
    // AND the bridge's own configuration reads them as these sessions
    const bridgeEnv = Object.fromEntries(
      Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
    const read = loadConfig({ ...bridgeEnv, KINESIS_STREAM_NAME: 'stream', AWS_REGION: 'eu-west-1' });
    expect(read.lanes.map((l) => ({ clientId: l.clientId, topics: l.topics }))).toEqual(sessions);
    // AND one service runs one task holding them all: no two holders of a client id
    expect(
      Object.values(resources)
        .filter((r) => r.Type === 'AWS::ECS::Service')
        .map((r) => r.Properties.DesiredCount),
    ).toEqual([1, 1]);
  });

  describe('network', () => {
    it('builds a VPC with public subnets only and no NAT gateway, with a flow log', () => {
      template.resourceCountIs('AWS::EC2::NatGateway', 0);
      template.resourceCountIs('AWS::EC2::VPC', 1);
      const subnets = Object.values(resources).filter((r) => r.Type === 'AWS::EC2::Subnet');
      expect(subnets.length).toBeGreaterThan(0);
      for (const subnet of subnets) expect(subnet.Properties.MapPublicIpOnLaunch).toBe(true);
      template.resourceCountIs('AWS::EC2::FlowLog', 1);
    });

    it('lets a bridge reach HTTPS and its broker port only, with no ingress', () => {
      for (const bridge of stack.bridges) {
        const sg = resources[logicalId(bridge.securityGroup)]!.Properties;
        expect(sg.SecurityGroupIngress).toBeUndefined();
        expect(sg.SecurityGroupEgress).toEqual([
          expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
          expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 8883, ToPort: 8883 }),
        ]);
      }
      template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    });

    it('opens the port the broker URL names', () => {
      const feeds = exampleFeeds().map((f, i) =>
        i === 0 ? { ...f, brokerUrl: 'mqtts://broker.example.net:18883' } : f,
      );
      const { stack: s, template: t } = buildPipeline(exampleConfig({ feeds }));
      const egress = t.toJSON().Resources[logicalId(s.bridges[0]!.securityGroup)].Properties.SecurityGroupEgress;
      expect(egress).toEqual([
        expect.objectContaining({ FromPort: 443, ToPort: 443 }),
        expect.objectContaining({ FromPort: 18883, ToPort: 18883 }),
      ]);
    });

    it('runs in the private subnets of an existing VPC without a public IP, and builds no VPC', () => {
      const { stack: s, template: t } = pipelineInExistingVpc();
      t.resourceCountIs('AWS::EC2::VPC', 0);
      t.resourceCountIs('AWS::EC2::FlowLog', 0);
      t.hasResourceProperties('AWS::ECS::Service', {
        NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'DISABLED' } },
      });
      expect(s.bridgeCluster.assignPublicIp).toBe(false);
      t.hasResourceProperties('AWS::ECS::Service', {
        NetworkConfiguration: {
          AwsvpcConfiguration: { Subnets: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'] },
        },
      });
    });
  });

  describe('least privilege', () => {
    it.each(exampleConfig().feeds.map((feed, i) => [feed.name, i] as const))(
      'lets the %s task role put records on its stream, read its own secret and read and set its session marker, nothing else',
      (_name, i) => {
        const bridge = stack.bridges[i]!;
        const roleId = logicalId(bridge.taskRole);
        expect(roleActions(template, roleId)).toEqual(
          [
            ...BRIDGE_STREAM_ACTIONS,
            'secretsmanager:DescribeSecret',
            'secretsmanager:GetSecretValue',
            'secretsmanager:PutSecretValue',
          ].sort(),
        );
        const markerRef = { Ref: logicalId(bridge.sessionMarker) };
        expect(resourcesOf(template, roleId, 'secretsmanager:PutSecretValue')).toEqual([markerRef]);
        for (const action of BRIDGE_STREAM_ACTIONS) {
          expect(resourcesOf(template, roleId, action)).toEqual([
            { 'Fn::GetAtt': [logicalId(stack.readingStream.stream), 'Arn'] },
          ]);
        }
        const secretResources = resourcesOf(template, roleId, 'secretsmanager:GetSecretValue');
        expect(secretResources).toHaveLength(2);
        expect(secretResources).toContainEqual(markerRef);
        expect(JSON.stringify(secretResources)).toContain(`:secret:${config.feeds[i]!.credentialsSecret}-??????`);
      },
    );

    it('accepts a secret ARN, complete or partial', () => {
      const complete = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:meter-bridge/feed-a-AbC123';
      const partial = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:meter-bridge/feed-b';
      const feeds = exampleFeeds().map((f, i) => ({
        ...f,
        credentialsSecret: i === 0 ? complete : partial,
      }));
      const { stack: s, template: t } = buildPipeline(exampleConfig({ feeds }));
      const credentialsOf = (b: number) =>
        resourcesOf(t, logicalId(s.bridges[b]!.taskRole), 'secretsmanager:GetSecretValue').filter(
          (r) => typeof r === 'string',
        );
      expect(credentialsOf(0)).toEqual([complete]);
      expect(credentialsOf(1)).toEqual([`${partial}-??????`]);
    });
  });

  it.each(exampleConfig().feeds.map((feed, i) => [feed.name, i] as const))(
    'keeps a session marker for %s that outlives the stack and starts as "never held"',
    (_name, i) => {
      const marker = template.toJSON().Resources[logicalId(stack.bridges[i]!.sessionMarker)] as {
        Type: string;
        DeletionPolicy?: string;
        UpdateReplacePolicy?: string;
        Properties: Record<string, unknown>;
      };
      expect(marker.Type).toBe('AWS::SecretsManager::Secret');
      expect(marker.DeletionPolicy).toBe('Retain');
      expect(marker.UpdateReplacePolicy).toBe('Retain');
      // a generated value is not a marker: the bridge reads it as "never held"
      expect(marker.Properties.GenerateSecretString).toEqual({});
      expect(marker.Properties.SecretString).toBeUndefined();
    },
  );

  describe('image', () => {
    // Needs bridge/Dockerfile: staging the asset checks it exists (it copies the context; it never runs Docker).
    function dockerImages() {
      const { app } = examplePipeline();
      const assembly = app.synth();
      const manifest = JSON.parse(
        fs.readFileSync(path.join(assembly.directory, `${stack.artifactId}.assets.json`), 'utf8'),
      ) as { dockerImages: Record<string, { source: { directory: string; dockerFile: string; platform: string } }> };
      return { directory: assembly.directory, images: Object.values(manifest.dockerImages) };
    }

    it('builds one image from bridge/Dockerfile with the repository root as context, for arm64', () => {
      const { images } = dockerImages();
      expect(images).toHaveLength(1);
      expect(images[0]!.source).toMatchObject({ dockerFile: 'bridge/Dockerfile', platform: 'linux/arm64' });
    });

    it('stages core/, bridge/ and the package files, and keeps dependencies, tests, local state and git out', () => {
      const { directory, images } = dockerImages();
      const staged = path.join(directory, images[0]!.source.directory);
      for (const needed of ['core', 'bridge/Dockerfile', 'bridge/src', 'package.json', 'package-lock.json']) {
        expect(fs.existsSync(path.join(staged, needed))).toBe(true);
      }
      const excludedPaths = [
        'node_modules',
        'cdk.out',
        '.local',
        '.git',
        'test',
        'bench',
        'docs',
        'lib',
        'bin',
        'functions',
      ];
      // The bridge's own ignore file allows only what the image needs, so the README stays out too.
      for (const excluded of [...excludedPaths, 'README.md', 'local']) {
        expect(fs.existsSync(path.join(staged, excluded))).toBe(false);
      }
      expect(BRIDGE_IMAGE_EXCLUDE).toContain('**/node_modules');
    });
  });
});
