/**
 * What must never be possible is denied by a real IAM policy evaluator over the synthesised template: the bridge
 * touching either table, the ingest function deleting, updating or scanning items or writing to the stream, another
 * account publishing to the alarm topic, using its key or reading a bucket, and any request without TLS to a bucket or
 * the topic. Each boundary is also shown open to the right caller (allowed.test.ts), so a denial here is the boundary,
 * not a broken setup.
 */
import { accessWorld, type AccessRequest, OTHER_ACCOUNT, TARGET } from './support/access-world';
import { DOWNSTREAM_ROLE_ARN, secretArn } from './support/runtimes';

const world = accessWorld();
const { stack } = world.pipeline;
const { account, partition } = TARGET;

const readings = world.arnOf(stack.store.readingsTable);
const quarantine = world.arnOf(stack.store.quarantineTable);
const stream = world.arnOf(stack.readingStream.stream);
const topic = world.arnOf(stack.monitoring.alarmTopic);
const topicKey = world.propertiesOf(world.logicalIdsOf('AWS::SNS::Topic')[0]!).KmsMasterKeyId as string;
const buckets = world.logicalIdsOf('AWS::S3::Bucket').map((id) => world.resolver.arn(id));
const alarmArn = world.resolver.arn(world.logicalIdsOf('AWS::CloudWatch::Alarm')[0]!);

/** A role in another account that its own account allows everything. */
const intruder: Pick<AccessRequest, 'principal' | 'identityPolicies'> = {
  principal: `arn:${partition}:iam::${OTHER_ACCOUNT}:role/intruder`,
  identityPolicies: [
    { name: 'AdministratorAccess', policy: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } },
  ],
};
/** An administrator of the stack's own account: allowed everything by its identity policy. */
const admin: Pick<AccessRequest, 'principal' | 'identityPolicies'> = {
  principal: `arn:${partition}:iam::${account}:role/admin`,
  identityPolicies: intruder.identityPolicies,
};

const tableActions = [
  'dynamodb:PutItem',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

const denied: [string, AccessRequest][] = [
  ...stack.bridges.flatMap((bridge): [string, AccessRequest][] => {
    const role = world.role(bridge.taskRole);
    const name = `bridge ${bridge.feed.name}`;
    const others = stack.bridges.filter((b) => b !== bridge);
    return [
      ...[readings, quarantine].flatMap((table) =>
        tableActions.map((action): [string, AccessRequest] => [
          `${name}: ${action} on ${table}`,
          { ...role, action, resource: table },
        ]),
      ),
      ...['kinesis:GetRecords', 'kinesis:DeleteStream'].map((action): [string, AccessRequest] => [
        `${name}: ${action} on the stream`,
        { ...role, action, resource: stream },
      ]),
      ...others.map((other): [string, AccessRequest] => [
        `${name}: secretsmanager:GetSecretValue of ${other.feed.name}'s secret`,
        { ...role, action: 'secretsmanager:GetSecretValue', resource: secretArn(other.feed.credentialsSecret) },
      ]),
      // The session marker is the only secret it may write: never its credentials, never another feed's marker.
      [
        `${name}: secretsmanager:PutSecretValue on its own credentials secret`,
        { ...role, action: 'secretsmanager:PutSecretValue', resource: secretArn(bridge.feed.credentialsSecret) },
      ] as [string, AccessRequest],
      ...others.map((other): [string, AccessRequest] => [
        `${name}: secretsmanager:PutSecretValue on ${other.feed.name}'s session marker`,
        { ...role, action: 'secretsmanager:PutSecretValue', resource: world.arnOf(other.sessionMarker) },
      ]),
    ];
  }),
  ...(() => {
    const role = world.role(stack.ingest.role);
    return [
      ...[readings, quarantine].flatMap((table) =>
        ['dynamodb:DeleteItem', 'dynamodb:UpdateItem', 'dynamodb:Scan', 'dynamodb:BatchWriteItem'].map(
          (action): [string, AccessRequest] => [
            `ingest function: ${action} on ${table}`,
            { ...role, action, resource: table },
          ],
        ),
      ),
      [
        'ingest function: dynamodb:GetItem on the quarantine table',
        { ...role, action: 'dynamodb:GetItem', resource: quarantine },
      ],
      ...['kinesis:PutRecord', 'kinesis:PutRecords'].map((action): [string, AccessRequest] => [
        `ingest function: ${action} on the stream`,
        { ...role, action, resource: stream },
      ]),
      ...buckets.map((bucket): [string, AccessRequest] => [
        `ingest function: s3:GetObject from ${bucket}`,
        { ...role, action: 's3:GetObject', resource: `${bucket}/x` },
      ]),
    ] satisfies [string, AccessRequest][];
  })(),
  // The archiver writes new archive objects and nothing else: no delete, no read, nothing outside raw/.
  ...(() => {
    const role = world.role(stack.archive.role);
    const archive = world.arnOf(stack.archive.bucket);
    return [
      ['archiver: s3:PutObject outside raw/', { ...role, action: 's3:PutObject', resource: `${archive}/replays/x` }],
      ...['s3:DeleteObject', 's3:GetObject', 's3:PutObjectAcl'].map((action): [string, AccessRequest] => [
        `archiver: ${action} in raw/`,
        { ...role, action, resource: `${archive}/raw/2026/12/01/10/x.ndjson.gz` },
      ]),
      ...buckets
        .filter((b) => b !== archive)
        .map((bucket): [string, AccessRequest] => [
          `archiver: s3:PutObject into ${bucket}`,
          { ...role, action: 's3:PutObject', resource: `${bucket}/raw/x` },
        ]),
      ...[readings, quarantine].map((table): [string, AccessRequest] => [
        `archiver: dynamodb:PutItem on ${table}`,
        { ...role, action: 'dynamodb:PutItem', resource: table },
      ]),
      ['archiver: kinesis:PutRecords on the stream', { ...role, action: 'kinesis:PutRecords', resource: stream }],
    ] satisfies [string, AccessRequest][];
  })(),
  // The published policies give downstream roles no write to the readings, no scan of the quarantine.
  ...(() => {
    const readers = {
      principal: DOWNSTREAM_ROLE_ARN,
      identityPolicies: [{ name: 'ReadersPolicy', policy: world.managedPolicyDocument(stack.store.readersPolicy) }],
    };
    const replay = {
      principal: DOWNSTREAM_ROLE_ARN,
      identityPolicies: [{ name: 'ReplayPolicy', policy: world.managedPolicyDocument(stack.replayPolicy.policy) }],
    };
    const cli = {
      principal: DOWNSTREAM_ROLE_ARN,
      identityPolicies: [{ name: 'ReadingsCliPolicy', policy: world.managedPolicyDocument(stack.store.cliPolicy) }],
    };
    return [
      [
        'readers policy: dynamodb:PutItem on the readings table',
        { ...readers, action: 'dynamodb:PutItem', resource: readings },
      ],
      [
        'readers policy: dynamodb:Query on the quarantine table',
        { ...readers, action: 'dynamodb:Query', resource: quarantine },
      ],
      [
        'readings CLI policy: dynamodb:UpdateItem on the readings table',
        { ...cli, action: 'dynamodb:UpdateItem', resource: readings },
      ],
      [
        'readings CLI policy: dynamodb:DeleteItem on the readings table',
        { ...cli, action: 'dynamodb:DeleteItem', resource: readings },
      ],
      [
        'readings CLI policy: dynamodb:Scan on the quarantine table',
        { ...cli, action: 'dynamodb:Scan', resource: quarantine },
      ],
      [
        'readings CLI policy: kinesis:PutRecords on the stream',
        { ...cli, action: 'kinesis:PutRecords', resource: stream },
      ],
      // quarantine replay moved to the stream (npm run replay): the CLI writes nothing
      ...(['dynamodb:PutItem', 'dynamodb:DeleteItem'] as const).flatMap((action) =>
        [readings, quarantine].map((table): [string, AccessRequest] => [
          `readings CLI policy: ${action} on ${table}`,
          { ...cli, action, resource: table },
        ]),
      ),
      // the replay tool reads its sources and puts into the stream; the deployed ingest does every table write
      ...(['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'] as const).flatMap((action) =>
        [readings, quarantine].map((table): [string, AccessRequest] => [
          `replay policy: ${action} on ${table}`,
          { ...replay, action, resource: table },
        ]),
      ),
      [
        'replay policy: s3:DeleteObject in the archive',
        { ...replay, action: 's3:DeleteObject', resource: `${world.arnOf(stack.archive.bucket)}/raw/x` },
      ],
      [
        'replay policy: dynamodb:Scan on the quarantine table',
        { ...replay, action: 'dynamodb:Scan', resource: quarantine },
      ],
    ] satisfies [string, AccessRequest][];
  })(),
  // Another account: not its role, and not CloudWatch acting for its alarms (the confused deputy).
  ['another account: sns:Publish to the alarm topic', { ...intruder, action: 'sns:Publish', resource: topic }],
  ['another account: kms:Decrypt with the topic key', { ...intruder, action: 'kms:Decrypt', resource: topicKey }],
  ...(['sns:Publish', 'kms:GenerateDataKey'] as const).map((action): [string, AccessRequest] => [
    `CloudWatch for another account's alarm: ${action}`,
    {
      principal: 'cloudwatch.amazonaws.com',
      identityPolicies: [],
      action,
      resource: action === 'sns:Publish' ? topic : topicKey,
      context: {
        'aws:SourceAccount': OTHER_ACCOUNT,
        'aws:SourceArn': `arn:${partition}:cloudwatch:${TARGET.region}:${OTHER_ACCOUNT}:alarm:${TARGET.stackName}-IngestErrors`,
      },
    },
  ]),
  ...(['sns:Publish', 'kms:GenerateDataKey'] as const).map((action): [string, AccessRequest] => [
    `CloudWatch for an alarm of another stack in this account: ${action}`,
    {
      principal: 'cloudwatch.amazonaws.com',
      identityPolicies: [],
      action,
      resource: action === 'sns:Publish' ? topic : topicKey,
      context: {
        'aws:SourceAccount': account,
        'aws:SourceArn': `arn:${partition}:cloudwatch:${TARGET.region}:${account}:alarm:OtherStack-Errors`,
      },
    },
  ]),
  ...buckets.flatMap((bucket): [string, AccessRequest][] => [
    [`another account: s3:GetObject from ${bucket}`, { ...intruder, action: 's3:GetObject', resource: `${bucket}/x` }],
    [`another account: s3:ListBucket of ${bucket}`, { ...intruder, action: 's3:ListBucket', resource: bucket }],
  ]),
];

/** Requests that would be allowed, but arrive without TLS: the TLS-only Deny of each bucket and the topic refuses them. */
const withoutTls: [string, AccessRequest][] = [
  ...buckets.flatMap((bucket): [string, AccessRequest][] => [
    [`s3:GetObject from ${bucket}`, { ...admin, action: 's3:GetObject', resource: `${bucket}/x` }],
    [`s3:PutObject into ${bucket}`, { ...admin, action: 's3:PutObject', resource: `${bucket}/x` }],
  ]),
  [
    'CloudWatch sns:Publish to the alarm topic',
    {
      principal: 'cloudwatch.amazonaws.com',
      identityPolicies: [],
      action: 'sns:Publish',
      resource: topic,
      context: { 'aws:SourceAccount': account, 'aws:SourceArn': alarmArn },
    },
  ],
  ['an administrator sns:Publish to the alarm topic', { ...admin, action: 'sns:Publish', resource: topic }],
];

describe('what must never be possible', () => {
  it.each(denied)('%s is denied', async (title, request) => {
    const decision = await world.decide(request);
    expect({ call: title, decision }).toEqual({ call: title, decision: expect.stringMatching(/Denied$/) });
  });
});

describe('requests without TLS', () => {
  it('covers every bucket in the stack', () => {
    expect(buckets.length).toBeGreaterThan(0);
  });

  it.each(withoutTls)('%s over TLS is Allowed (the control)', async (title, request) => {
    const decision = await world.decide(request);
    expect({ call: title, decision }).toEqual({ call: title, decision: 'Allowed' });
  });

  it.each(withoutTls)('%s without TLS is explicitly denied', async (title, request) => {
    const decision = await world.decide({
      ...request,
      context: { ...request.context, 'aws:SecureTransport': 'false' },
    });
    expect({ call: title, decision }).toEqual({ call: title, decision: 'ExplicitlyDenied' });
  });
});
