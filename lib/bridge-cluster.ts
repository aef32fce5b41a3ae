/**
 * Where the bridges run: an ECS cluster with Container Insights, in a VPC that costs nothing at rest (public subnets,
 * no NAT gateway) unless an existing VPC is passed in.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Properties of {@link BridgeCluster}. */
export interface BridgeClusterProps {
  /**
   * An existing VPC to run the bridges in. Its private subnets with egress are used when it has them (no public IP),
   * its public subnets otherwise.
   * @default - a new VPC with public subnets in two availability zones, no NAT gateway, and a flow log
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Days the new VPC's flow log is kept (not used with an existing VPC).
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly flowLogRetention?: logs.RetentionDays;
}

/** The VPC and ECS cluster the bridge services share. */
export class BridgeCluster extends Construct {
  /** The VPC. */
  public readonly vpc: ec2.IVpc;
  /** The ECS cluster, with Container Insights (its RunningTaskCount feeds an alarm). */
  public readonly cluster: ecs.Cluster;
  /** The subnets the bridge tasks run in. */
  public readonly subnets: ec2.SubnetSelection;
  /** Whether the tasks need a public IP to reach the broker and AWS APIs (true in public subnets). */
  public readonly assignPublicIp: boolean;

  constructor(scope: Construct, id: string, props: BridgeClusterProps = {}) {
    super(scope, id);
    if (props.vpc !== undefined) {
      this.vpc = props.vpc;
      const hasPrivateEgress = props.vpc.privateSubnets.length > 0;
      this.subnets = { subnetType: hasPrivateEgress ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PUBLIC };
      this.assignPublicIp = !hasPrivateEgress;
    } else {
      const vpc = new ec2.Vpc(this, 'Vpc', {
        maxAzs: 2,
        natGateways: 0,
        subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
      });
      const flowLogGroup = new logs.LogGroup(this, 'FlowLogGroup', {
        retention: props.flowLogRetention ?? logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      vpc.addFlowLog('FlowLog', {
        destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
        trafficType: ec2.FlowLogTrafficType.ALL,
      });
      this.vpc = vpc;
      this.subnets = { subnetType: ec2.SubnetType.PUBLIC };
      this.assignPublicIp = true;
    }
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
  }
}
