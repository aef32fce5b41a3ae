/**
 * One bridge: a Fargate service holding one persistent MQTT session for one feed and writing every message into the
 * Kinesis stream (`bridge/`). Never two tasks at once: two sessions with one client id kick each other off the broker.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { FeedConfig } from './app-config';
import type { BridgeCluster } from './bridge-cluster';
import { REPO_ROOT } from './repo-root';

/** The port of the bridge's health endpoint (`/healthz`, `/readyz`) inside the task. */
export const BRIDGE_HEALTH_PORT = 8080;

/** The only Kinesis actions a bridge gets, on its stream only. */
export const BRIDGE_STREAM_ACTIONS = ['kinesis:PutRecord', 'kinesis:PutRecords'] as const;

/**
 * What the bridge does with its session marker (`bridge/src/session-marker.ts`): read it at start, write it once after
 * its first granted subscription. On that one secret only.
 */
export const BRIDGE_SESSION_MARKER_ACTIONS = [
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
] as const;

/**
 * What never goes into the bridge image's build context (the repository root), whatever else the bridge's own ignore
 * file says: dependencies are installed inside the image; tests, local state, build output and git stay out. Docker
 * ignore syntax.
 */
export const BRIDGE_IMAGE_EXCLUDE = [
  '**/node_modules',
  'cdk.out',
  '.cdk.staging',
  '.local',
  '.git',
  '.ci',
  'test',
  'bench',
  'docs',
  'coverage',
  'dist',
  '**/*.log',
  'bin',
  'lib',
  'local',
  'functions',
  'tools',
  'readings-client',
  'bridge/test',
];

/** The bridge's own ignore file for its Dockerfile (BuildKit reads it; the CDK asset must be told). */
export const BRIDGE_DOCKERIGNORE = path.join(REPO_ROOT, 'bridge', 'Dockerfile.dockerignore');

/**
 * The exclusions of the bridge image's build context: the bridge's own `bridge/Dockerfile.dockerignore` (an allow
 * list: only package files, `core/` and `bridge/`), then {@link BRIDGE_IMAGE_EXCLUDE}, which applies even if that
 * file changes or is missing.
 */
export function bridgeImageExclude(): string[] {
  const own = fs.existsSync(BRIDGE_DOCKERIGNORE)
    ? fs
        .readFileSync(BRIDGE_DOCKERIGNORE, 'utf8')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#'))
    : [];
  return [...own, ...BRIDGE_IMAGE_EXCLUDE];
}

/** The bridge image, built from `bridge/Dockerfile` with the repository root as build context, for arm64. */
export function bridgeImage(): ecs.ContainerImage {
  return ecs.ContainerImage.fromAsset(REPO_ROOT, {
    file: 'bridge/Dockerfile',
    exclude: bridgeImageExclude(),
    platform: ecrAssets.Platform.LINUX_ARM64,
  });
}

/** The secret named by a feed: a full ARN, a partial ARN (no random suffix) or a name. */
export function feedSecret(scope: Construct, id: string, nameOrArn: string): secretsmanager.ISecret {
  if (!nameOrArn.startsWith('arn:')) return secretsmanager.Secret.fromSecretNameV2(scope, id, nameOrArn);
  // A complete ARN ends with "-" and the six random characters Secrets Manager appends to the name.
  return /:secret:.+-[A-Za-z0-9]{6}$/.test(nameOrArn)
    ? secretsmanager.Secret.fromSecretCompleteArn(scope, id, nameOrArn)
    : secretsmanager.Secret.fromSecretPartialArn(scope, id, nameOrArn);
}

/** Properties of {@link BridgeService}. */
export interface BridgeServiceProps {
  /** The feed this bridge serves. */
  readonly feed: FeedConfig;
  /** Where the service runs. */
  readonly cluster: BridgeCluster;
  /** The stream the bridge writes into. */
  readonly stream: kinesis.IStream;
  /**
   * The container image.
   * @default - built from bridge/Dockerfile ({@link bridgeImage})
   */
  readonly image?: ecs.ContainerImage;
  /**
   * Time ECS gives the container between SIGTERM and SIGKILL, for the flush and PUBACKs (Fargate allows 2 to 120 s).
   * @default Duration.seconds(90)
   */
  readonly stopTimeout?: Duration;
  /**
   * CPU units of the task (256 = 0.25 vCPU).
   * @default 256
   */
  readonly cpu?: number;
  /**
   * Memory of the task in MiB.
   * @default 512
   */
  readonly memoryLimitMiB?: number;
  /**
   * Days the bridge's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/** A Fargate service running one bridge for one feed. */
export class BridgeService extends Construct {
  /** The feed. */
  public readonly feed: FeedConfig;
  /** The Fargate service. */
  public readonly service: ecs.FargateService;
  /** The task definition. */
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The role the bridge's code runs with: PutRecord(s) on its stream and read on its own secret, nothing else. */
  public readonly taskRole: iam.Role;
  /** The feed's credentials secret. */
  public readonly secret: secretsmanager.ISecret;
  /** Where the bridge records that the feed's client id has held a session, so a session lost across a restart pages. */
  public readonly sessionMarker: secretsmanager.Secret;
  /** The task's security group: no ingress, egress to HTTPS and the broker port only. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The bridge's log group. */
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BridgeServiceProps) {
    super(scope, id);
    const { feed, cluster, stream } = props;
    const stopTimeout = props.stopTimeout ?? Duration.seconds(90);
    const stopSeconds = stopTimeout.toSeconds({ integral: false });
    if (!Number.isInteger(stopSeconds) || stopSeconds < 10 || stopSeconds > 120) {
      throw new Error(`stopTimeout must be 10 to 120 whole seconds (Fargate's limit), got ${stopSeconds} seconds`);
    }
    if (!Number.isInteger(feed.brokerPort) || feed.brokerPort < 1 || feed.brokerPort > 65535) {
      throw new Error(`feed ${feed.name}: brokerPort must be 1 to 65535, got ${feed.brokerPort}`);
    }
    this.feed = feed;

    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `Bridge ${feed.name}: PutRecord(s) on its stream, read its own credentials secret, read and set its session marker.`,
    });
    this.secret = feedSecret(this, 'CredentialsSecret', feed.credentialsSecret);
    this.secret.grantRead(this.taskRole);
    stream.grant(this.taskRole, ...BRIDGE_STREAM_ACTIONS);
    // Created with a random value ("never held"); CloudFormation regenerates it only if its generator settings change,
    // and it is retained, so a stack update never makes a held session look like a first start.
    this.sessionMarker = new secretsmanager.Secret(this, 'SessionMarker', {
      description: `Bridge ${feed.name}: set once the client id ${feed.clientId} held an MQTT session (not a credential).`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    iam.Grant.addToPrincipal({
      grantee: this.taskRole,
      actions: [...BRIDGE_SESSION_MARKER_ACTIONS],
      resourceArns: [this.sessionMarker.secretArn],
    });
    Validations.of(this.sessionMarker).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'A state marker, not a credential: its value is a timestamp and the client id; nothing to rotate.',
    });

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: props.cpu ?? 256,
      memoryLimitMiB: props.memoryLimitMiB ?? 512,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      taskRole: this.taskRole,
    });

    // The bridge must finish its flush before SIGKILL: leave it 10 s less than the stop timeout.
    const shutdownMillis = (stopSeconds - 10) * 1000;
    const environment: Record<string, string> = {
      MQTT_URL: feed.brokerUrl,
      MQTT_CLIENT_ID: feed.clientId,
      ...laneEnvironment(feed),
      MQTT_CREDENTIALS_SECRET_ID: feed.credentialsSecret,
      BRIDGE_SESSION_MARKER_SECRET_ID: this.sessionMarker.secretArn,
      KINESIS_STREAM_NAME: stream.streamName,
      // Fargate sets it too; explicit so the SDK clients never depend on the platform's environment.
      AWS_REGION: Stack.of(this).region,
      HEALTH_PORT: String(BRIDGE_HEALTH_PORT),
      BRIDGE_SHUTDOWN_TIMEOUT_MILLIS: String(shutdownMillis),
    };
    if (feed.protocolVersion !== undefined) environment.MQTT_PROTOCOL_VERSION = String(feed.protocolVersion);

    this.taskDefinition.addContainer('Bridge', {
      image: props.image ?? bridgeImage(),
      essential: true,
      environment,
      stopTimeout,
      readonlyRootFilesystem: true,
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'bridge' }),
      healthCheck: {
        // The image may have no curl; Node has fetch. /healthz (the process and its event loop are alive), not
        // /readyz: while the broker refuses us or Kinesis is down the bridge is right to wait and back off, and
        // /readyz stays false behind a full window; replacing the task would only churn. Alarms on Connected and
        // OldestPendingAgeMillis page for those.
        command: [
          'CMD',
          'node',
          '-e',
          `fetch('http://127.0.0.1:${BRIDGE_HEALTH_PORT}/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
        ],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 5,
        // Room for a slow first connection or a resumed session's backlog before a failing check counts.
        startPeriod: Duration.seconds(120),
      },
    });

    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        "The environment holds configuration only (broker URL, client id, topics, stream name, the secret's name); " +
        'the credentials stay in Secrets Manager and the bridge fetches them itself so a rotation needs no restart.',
    });
    if (this.taskDefinition.executionRole !== undefined) {
      Validations.of(this.taskDefinition.executionRole).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ecr:GetAuthorizationToken, which ECS needs to pull the image from ECR, supports no resource-level ' +
          'permission; the pull actions themselves are limited to the asset repository.',
      });
    }

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: cluster.vpc,
      allowAllOutbound: false,
      description: `Bridge ${feed.name}: no ingress; egress to HTTPS (AWS APIs) and the broker port only`,
    });
    this.securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'AWS APIs: Kinesis, Secrets Manager, CloudWatch Logs, ECR',
    );
    if (feed.brokerPort !== 443) {
      this.securityGroup.addEgressRule(
        ec2.Peer.anyIpv4(),
        ec2.Port.tcp(feed.brokerPort),
        `MQTT broker of ${feed.name}`,
      );
    }

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: cluster.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: 1,
      // Stop the old task before starting the new one: one client id, one session, never two.
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
      circuitBreaker: { enable: true, rollback: true },
      availabilityZoneRebalancing: ecs.AvailabilityZoneRebalancing.DISABLED,
      assignPublicIp: cluster.assignPublicIp,
      vpcSubnets: cluster.subnets,
      securityGroups: [this.securityGroup],
      platformVersion: ecs.FargatePlatformVersion.LATEST,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      enableExecuteCommand: false,
    });
  }
}

/**
 * The bridge's filter variables for a feed: `MQTT_TOPICS` for one session; with lanes, every lane's filters
 * (`MQTT_LANE_TOPICS`, lanes separated by ";") or one shared subscription over `MQTT_LANES` sessions
 * (`MQTT_SHARED_GROUP`). The bridge refuses `MQTT_TOPICS` beside `MQTT_LANE_TOPICS`.
 */
export function laneEnvironment(feed: FeedConfig): Record<string, string> {
  const lanes = feed.lanes;
  if (lanes?.kind === 'filters') return { MQTT_LANE_TOPICS: lanes.groups.map((g) => g.join(',')).join(';') };
  if (lanes?.kind === 'shared') {
    return { MQTT_TOPICS: feed.topics.join(','), MQTT_SHARED_GROUP: lanes.group, MQTT_LANES: String(lanes.count) };
  }
  return { MQTT_TOPICS: feed.topics.join(',') };
}
