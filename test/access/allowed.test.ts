/**
 * Every call the deployed system makes at run time is Allowed by a real IAM policy evaluator over the synthesised
 * template: the SDK commands in the code of each runtime (read from the code, see support/runtimes.ts), and the calls
 * AWS services make for the stack (the event source mapping, Lambda's and ECS's logs, the image pull, CloudWatch
 * publishing alarms to the encrypted topic).
 */
import { REPO_ROOT } from '../cdk/support/pipeline';
import { accessWorld, type AccessRequest, TARGET } from './support/access-world';
import { modulesFrom, filesSendingSdkCommands, sdkCalls, sdkImportsFrom } from './support/sdk-calls';
import { RUNTIME_FOLDERS, runtimes } from './support/runtimes';

const world = accessWorld();
const { stack } = world.pipeline;
const { account, region, partition } = TARGET;

describe('runtime calls read from the code', () => {
  const all = runtimes(world);
  // One case per runtime, action and resource, naming the commands and files that send it.
  const cases = all.flatMap((runtime) => {
    const byAction = new Map<string, string[]>();
    for (const call of sdkCalls(sdkImportsFrom(runtime.entry, REPO_ROOT))) {
      const senders = byAction.get(call.action) ?? [];
      senders.push(`${call.name} in ${call.file}`);
      byAction.set(call.action, senders);
    }
    return [...byAction].flatMap(([action, senders]) =>
      (runtime.targets[action] ?? [undefined]).map((resource) => ({ runtime, action, senders, resource })),
    );
  });

  it.each(
    cases.map((c) => [
      `${c.runtime.name}: ${c.action} on ${c.resource ?? '(no resource declared)'} (${[...new Set(c.senders)].join(', ')})`,
      c,
    ]),
  )('%s is Allowed', async (title, { runtime, action, senders, resource }) => {
    if (resource === undefined) {
      throw new Error(
        `${runtime.name} sends ${action} (${senders.join(', ')}), but its row in test/access/support/runtimes.ts ` +
          'names no resource for that action: add the ARNs it is sent to',
      );
    }
    const decision = await world.decide({ ...runtime.caller, action, resource });
    expect({ call: title, decision }).toEqual({ call: title, decision: 'Allowed' });
  });

  it.each(all.map((r) => [r.name, r]))('%s: every target in its row is a call its code makes', (_name, runtime) => {
    const sent = new Set(sdkCalls(sdkImportsFrom(runtime.entry, REPO_ROOT)).map((c) => c.action));
    expect(Object.keys(runtime.targets).filter((action) => !sent.has(action))).toEqual([]);
  });

  it('reaches every source file that sends SDK commands from a runtime entry', () => {
    const reached = new Set(all.flatMap((r) => modulesFrom(r.entry, REPO_ROOT)));
    const unreached = filesSendingSdkCommands(RUNTIME_FOLDERS, REPO_ROOT).filter((f) => !reached.has(f));
    expect(unreached).toEqual([]);
  });
});

describe('calls AWS services make for the stack', () => {
  const ingestRole = world.role(stack.ingest.role);
  const stream = world.arnOf(stack.readingStream.stream);
  const failedBucket = world.arnOf(stack.ingest.failedRecordsBucket);
  const ingestLogs = world.arnOf(stack.ingest.logGroup).replace(/:\*$/, '');
  const topic = world.arnOf(stack.monitoring.alarmTopic);
  const keyId = world.propertiesOf(world.logicalIdsOf('AWS::SNS::Topic')[0]!).KmsMasterKeyId as string;
  const alarms = world.logicalIdsOf('AWS::CloudWatch::Alarm').map((id) => world.resolver.arn(id));
  const cloudwatch = (alarmArn: string): Pick<AccessRequest, 'principal' | 'identityPolicies' | 'context'> => ({
    principal: 'cloudwatch.amazonaws.com',
    identityPolicies: [],
    context: { 'aws:SourceAccount': account, 'aws:SourceArn': alarmArn },
  });

  const cases: [string, AccessRequest][] = [
    // The mapping reads the stream with the function's role
    // (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html#events-kinesis-permissions).
    ...[
      'kinesis:DescribeStream',
      'kinesis:DescribeStreamSummary',
      'kinesis:GetRecords',
      'kinesis:GetShardIterator',
      'kinesis:ListShards',
    ].map((action): [string, AccessRequest] => [
      `event source mapping: ${action} on the stream`,
      { ...ingestRole, action, resource: stream },
    ]),
    // The archiver's own mapping reads the stream with the archiver's role.
    ...['kinesis:DescribeStream', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'].map(
      (action): [string, AccessRequest] => [
        `archiver event source mapping: ${action} on the stream`,
        { ...world.role(stack.archive.role), action, resource: stream },
      ],
    ),
    // ... and writes a failed batch to its S3 on-failure destination with the same role
    // (https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html).
    [
      'event source mapping: s3:PutObject of a failed batch',
      {
        ...ingestRole,
        action: 's3:PutObject',
        resource: `${failedBucket}/aws/lambda/0f1e2d3c-uuid/shardId-000000000000/2026/12/01/x`,
      },
    ],
    [
      'event source mapping: s3:ListBucket of the failure bucket',
      { ...ingestRole, action: 's3:ListBucket', resource: failedBucket },
    ],
    ...['logs:CreateLogStream', 'logs:PutLogEvents'].map((action): [string, AccessRequest] => [
      `Lambda: ${action} into the function's log group`,
      { ...ingestRole, action, resource: `${ingestLogs}:log-stream:2026/12/01/[$LATEST]0123456789abcdef` },
    ]),
    // ECS pulls the image and writes the task's logs with the execution role
    // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html).
    ...stack.bridges.flatMap((bridge) => {
      const executionRole = world.role(bridge.taskDefinition.executionRole!);
      const repository = `arn:${partition}:ecr:${region}:${account}:repository/cdk-hnb659fds-container-assets-${account}-${region}`;
      const logs = world.arnOf(bridge.logGroup).replace(/:\*$/, '');
      const name = `ECS, bridge ${bridge.feed.name}`;
      return [
        [
          `${name}: ecr:GetAuthorizationToken`,
          { ...executionRole, action: 'ecr:GetAuthorizationToken', resource: '*' },
        ],
        ...['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'].map(
          (action): [string, AccessRequest] => [
            `${name}: ${action} on the asset repository`,
            { ...executionRole, action, resource: repository },
          ],
        ),
        ...['logs:CreateLogStream', 'logs:PutLogEvents'].map((action): [string, AccessRequest] => [
          `${name}: ${action} into the bridge's log group`,
          { ...executionRole, action, resource: `${logs}:log-stream:bridge/Bridge/0123456789abcdef` },
        ]),
      ] satisfies [string, AccessRequest][];
    }),
    // CloudWatch publishes each alarm's actions to the topic and uses the topic's key to do it
    // (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
    ...alarms.flatMap((alarm): [string, AccessRequest][] => [
      [`CloudWatch: sns:Publish for ${alarm}`, { ...cloudwatch(alarm), action: 'sns:Publish', resource: topic }],
      ...['kms:GenerateDataKey', 'kms:Decrypt'].map((action): [string, AccessRequest] => [
        `CloudWatch: ${action} on the topic's key for ${alarm}`,
        { ...cloudwatch(alarm), action, resource: keyId },
      ]),
    ]),
  ];

  it('covers every alarm of the stack', () => {
    expect(alarms.length).toBe(stack.monitoring.alarms.length);
    expect(alarms.length).toBeGreaterThan(0);
  });

  it.each(cases)('%s is Allowed', async (title, request) => {
    const decision = await world.decide(request);
    expect({ call: title, decision }).toEqual({ call: title, decision: 'Allowed' });
  });
});
