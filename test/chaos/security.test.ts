/**
 * Scenario 7, security: hostile or wrong configuration meets the real bridge process and a real Mosquitto (TLS,
 * password file, ACL).
 * - At run time, a wrong CA, a wrong password and a subscription outside the ACL each end in a clear error, a
 *   failing `/readyz` and growing backoff: the connection attempts are counted at a TCP proxy (no tight loop).
 *   Mosquitto's ACL grants a SUBACK for a filter outside it and then silently delivers nothing, where the provider's
 *   broker kicks the client (its documentation: "will lead to being kicked from MQTT-session"): the proxy in front
 *   of mosquitto plays the provider and closes the connection right after such a SUBACK.
 * - At start, a root `#` filter, a `+` in place of the customer, plain `mqtt://` to a remote host and credentials in
 *   the URL are refused with one clear line and exit code 2, before any connection.
 * - No log line written in this scenario holds a password, the wrong ones included.
 * - The synthesised CDK template grants each bridge task role only PutRecord/PutRecords on the stream and read on
 *   its own feed's secret, and the ingest function only writes to its two tables, reads of its stream and what its
 *   on-failure destination and logs need.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseAppConfig } from '../../lib/app-config';
import { PipelineStack } from '../../lib/pipeline-stack';
import { generateTestCertificates } from '../support/tls-certs';
import { startMosquitto } from '../support/mosquitto';
import { startBridge, type BridgeProcess } from './support/bridge-process';
import { track } from './support/children';
import { defineScenario } from './support/define-scenario';
import { createMqttTap, type MqttTap } from './support/mqtt-tap';
import { REPO_ROOT } from './support/results';
import { linesWithSecrets, seconds, sleep } from './support/scenario';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';
import { brokerDataDir, CUSTOMER, newPassword, STREAM_NAME } from './support/world';

/** How long each failing bridge is watched. */
const WATCH_MILLIS = 12_000;
/** Its reconnect backoff: 0.5 s doubling to 4 s, so growth shows within the watch. */
const BACKOFF = { MQTT_RECONNECT_MIN_MILLIS: '500', MQTT_RECONNECT_MAX_MILLIS: '4000' };
/** Most attempts allowed in the watch: backoff from 0.5 s allows about 5; a tight loop makes hundreds. */
const MAX_ATTEMPTS = 10;

const secrets: string[] = [];
const attempts: string[] = [];

/** Tests of this file; the result passes only when all of them did. */
const TESTS = 8;
let passedTests = 0;

const { result } = defineScenario(
  { id: 'security', order: 7, title: 'Security' },
  {
    beforeSave: (result) => {
      result.faults =
        'wrong CA, wrong password, filter outside the ACL (run time); root #, + customer, remote mqtt:// ×2, URL credentials (start)';
      result.faultCount = 8;
      result.messages = 0;
      result.lost = 0;
      result.duplicatedRows = 0;
      result.notes!.unshift(...attempts);
      result.passed = passedTests === TESTS;
    },
  },
);

function logLines(bridge: BridgeProcess): Array<{ level?: string; message?: string }> {
  return bridge
    .log()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level?: string; message?: string });
}

function errors(bridge: BridgeProcess): string[] {
  return logLines(bridge)
    .filter((l) => l.level === 'ERROR')
    .map((l) => l.message ?? '');
}

/** Gaps between connection attempts, in ms. */
function gaps(times: readonly number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]!);
}

describe('scenario 7: security', () => {
  const bridgeUser = { username: 'bridge', password: newPassword() };
  const feedUser = { username: 'feed', password: newPassword() };
  secrets.push(bridgeUser.password, feedUser.password);
  const users = [
    { ...bridgeUser, topics: [`meters/outbound/${CUSTOMER}/#`] },
    { ...feedUser, topics: ['#'] },
  ];
  const base = (url: string, extra: Record<string, string> = {}) => ({
    MQTT_URL: url,
    MQTT_CLIENT_ID: `chaos-security-${Math.random().toString(16).slice(2, 8)}`,
    MQTT_TOPICS: `meters/outbound/${CUSTOMER}/#`,
    MQTT_USERNAME: bridgeUser.username,
    MQTT_PASSWORD: bridgeUser.password,
    KINESIS_STREAM_NAME: STREAM_NAME,
    // Nothing is forwarded here: Kinesis is never reached.
    AWS_ENDPOINT_URL_KINESIS: 'http://127.0.0.1:9',
    ...BACKOFF,
    ...extra,
  });

  it('meets a wrong CA, a wrong password and a subscription outside the ACL with a clear error and backoff, not a tight loop', async () => {
    // GIVEN mosquitto on plain TCP and on TLS, each with the password file and the ACL, behind counting proxies
    const certs = generateTestCertificates();
    track('certificates', { stop: () => certs.remove() });
    const plain = await startMosquitto({ users, dataDir: brokerDataDir('security-plain') });
    track('mosquitto plain', { stop: () => plain.destroy() });
    const tls = await startMosquitto({
      users,
      dataDir: brokerDataDir('security-tls'),
      tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile },
    });
    track('mosquitto tls', { stop: () => tls.destroy() });
    const proxied = async (port: number, tap?: MqttTap): Promise<TcpProxy> =>
      track('proxy', await startTcpProxy({ targetPort: port, ...(tap ? { tap: tap.tap } : {}) }));
    const wrongPassword = newPassword();
    secrets.push(wrongPassword);
    const passwordTap = createMqttTap();
    // mosquitto's ACL grants such a SUBACK and silently delivers nothing; the provider's broker kicks the client
    // instead, so the proxy plays that part.
    const aclTap = createMqttTap({ kickOutside: `meters/outbound/${CUSTOMER}/` });
    const cases = {
      control: await proxied(tls.port),
      wrongCa: await proxied(tls.port),
      wrongPassword: await proxied(plain.port, passwordTap),
      outsideAcl: await proxied(plain.port, aclTap),
    };

    // WHEN a bridge starts against each, at once
    const [control, wrongCa, badPassword, outsideAcl] = await Promise.all([
      startBridge({
        name: 'security-control-tls',
        env: base(`mqtts://localhost:${cases.control.port}`, { MQTT_CA_FILE: certs.caFile }),
      }),
      startBridge({
        name: 'security-wrong-ca',
        env: base(`mqtts://localhost:${cases.wrongCa.port}`, { MQTT_CA_FILE: certs.otherCaFile }),
      }),
      startBridge({
        name: 'security-wrong-password',
        env: base(`mqtt://127.0.0.1:${cases.wrongPassword.port}`, { MQTT_PASSWORD: wrongPassword }),
      }),
      startBridge({
        name: 'security-outside-acl',
        env: base(`mqtt://127.0.0.1:${cases.outsideAcl.port}`, { MQTT_TOPICS: 'meters/outbound/another-customer/#' }),
      }),
    ]);
    // The right CA works: the failures below are the configuration's, not the test broker's.
    await control.waitForStatus((s) => s.subscribed, 30_000, 'subscribed over TLS with the right CA');
    const watchStart = Date.now();
    await sleep(WATCH_MILLIS);
    const readiness = await Promise.all(
      [wrongCa, badPassword, outsideAcl].map(async (b) => {
        const res = await fetch(`http://127.0.0.1:${b.healthPort}/readyz`);
        return res.status;
      }),
    );
    const statuses = await Promise.all([wrongCa, badPassword, outsideAcl].map((b) => b.status()));
    const watched = seconds(Date.now() - watchStart);

    // THEN each names its problem, is not ready, and retried a few times with growing gaps
    const report = (name: string, proxy: TcpProxy) => {
      const g = gaps(proxy.connectionTimes);
      attempts.push(
        `${name}: ${proxy.connections} connections in ${watched} s, gaps ${g.map((x) => `${seconds(x)}`).join(', ')} s`,
      );
      return g;
    };
    const caGaps = report('wrong CA', cases.wrongCa);
    const passwordGaps = report('wrong password', cases.wrongPassword);
    const aclGaps = report('outside the ACL', cases.outsideAcl);

    expect(readiness).toEqual([503, 503, 503]);
    expect(errors(wrongCa).join('\n')).toMatch(/certificate/i);
    expect(errors(badPassword).join('\n')).toMatch(/refused the credentials/i);
    expect(passwordTap.counts.subscribes).toBe(0);
    expect(Object.keys(passwordTap.counts.connacks).every((code) => code === '4' || code === '5')).toBe(true);
    expect(aclTap.kicks).toBeGreaterThanOrEqual(2);
    // The proxy's kick is a TCP reset right behind the SUBACK: the bridge may read the SUBACK first or not, and may see
    // the end as a close or as ECONNRESET. Every form must get the same diagnosis, naming both likely causes.
    expect(errors(outsideAcl).join('\n')).toMatch(
      /(closed|reset) the connection \d+ ms after (SUBACK|CONNACK) \(not authorised for a filter, or another client with the same MQTT_CLIENT_ID\?\)/,
    );
    for (const [proxy, g] of [
      [cases.wrongCa, caGaps],
      [cases.wrongPassword, passwordGaps],
      [cases.outsideAcl, aclGaps],
    ] as const) {
      expect(proxy.connections).toBeGreaterThanOrEqual(2);
      expect(proxy.connections).toBeLessThanOrEqual(MAX_ATTEMPTS);
      // Backoff grows: the last gap is longer than the first.
      expect(g[g.length - 1]!).toBeGreaterThan(g[0]!);
    }
    for (const s of statuses) expect(s?.consecutiveFailures).toBeGreaterThanOrEqual(2);
    await Promise.all([control, wrongCa, badPassword, outsideAcl].map((b) => b.kill('SIGTERM')));
    passedTests++;
  });

  it.each([
    ['a root # filter', { MQTT_TOPICS: '#' }, /MQTT_TOPICS.*"#"/],
    ['a + in place of the customer', { MQTT_TOPICS: 'meters/outbound/+/#' }, /MQTT_TOPICS.*customer/],
    ['plain mqtt:// to a remote host', { MQTT_URL: 'mqtt://mqtt.example.com:1883' }, /MQTT_URL.*loopback.*mqtts/],
    ['plain mqtt:// to a private address', { MQTT_URL: 'mqtt://10.0.0.1:1883' }, /MQTT_URL.*loopback/],
    [
      'credentials in the URL',
      { MQTT_URL: 'mqtts://bridge:URLSECRET@mqtt.example.com:8883' },
      /MQTT_URL must not hold credentials/,
    ],
  ])('fails at start, before any connection, on %s', async (name, env, message) => {
    const urlSecret = newPassword();
    secrets.push(urlSecret);
    const listener = track('proxy', await startTcpProxy({ targetPort: 9 }));
    const overrides: Record<string, string> = { ...env };
    if (overrides.MQTT_URL) overrides.MQTT_URL = overrides.MQTT_URL.replace('URLSECRET', urlSecret);
    const bridge = await startBridge({
      name: `security-start-${name.replace(/[^a-z]+/gi, '-')}`,
      env: { ...base(`mqtt://127.0.0.1:${listener.port}`), ...overrides },
    });
    const exit = await Promise.race([bridge.exited, sleep(20_000).then(() => undefined)]);
    expect(exit?.code).toBe(2);
    expect(errors(bridge).join('\n')).toMatch(message);
    expect(listener.connections).toBe(0);
    attempts.push(`${name}: exit ${exit?.code}, ${listener.connections} connections`);
    passedTests++;
  });

  it('never writes a password to a log, the wrong ones included', () => {
    const leaks = linesWithSecrets('security-', secrets);
    result.notes!.push(
      `${secrets.length} passwords searched in the logs of this scenario: ${leaks.length} lines found`,
    );
    expect(leaks).toEqual([]);
    passedTests++;
  });

  it('grants each bridge only PutRecord(s) on the stream and read on its own secret, and the function only its tables and stream', () => {
    const context = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')).context as Record<string, unknown>;
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
    const config = parseAppConfig((key) => context[key]);
    const stack = new PipelineStack(app, 'ChaosPipeline', { config });
    const template = Template.fromStack(stack).toJSON() as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const resources = Object.entries(template.Resources);
    const idOf = (v: unknown): string | undefined => {
      const o = v as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
      return o?.Ref ?? o?.['Fn::GetAtt']?.[0];
    };
    const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);
    interface Statement {
      Effect: string;
      Action: string | string[];
      Resource: unknown;
    }
    const statementsOf = (roleId: string): Statement[] =>
      ofType('AWS::IAM::Policy')
        .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => idOf(r) === roleId))
        .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
    const streamId = stack.getLogicalId(stack.readingStream.stream.node.defaultChild as CfnElement);
    const tableIds = [stack.store.readingsTable, stack.store.quarantineTable].map((t) =>
      stack.getLogicalId(t.node.defaultChild as never),
    );

    // No role may hold a wildcard action, a managed policy or an inline policy that the checks below do not see.
    for (const [id, role] of ofType('AWS::IAM::Role')) {
      expect([id, role.Properties.ManagedPolicyArns ?? []]).toEqual([id, []]);
      expect([id, role.Properties.Policies ?? []]).toEqual([id, []]);
      for (const s of statementsOf(id)) for (const a of actions(s)) expect(a).not.toMatch(/(^\*$|:\*$)/);
    }

    // Each bridge task role: PutRecord/PutRecords on the stream, GetSecretValue/DescribeSecret on its own secret, and
    // GetSecretValue/PutSecretValue on its own session marker (bridge/src/session-marker.ts).
    const taskDefinitions = ofType('AWS::ECS::TaskDefinition');
    expect(taskDefinitions).toHaveLength(config.feeds.length);
    for (const [, td] of taskDefinitions) {
      const container = (
        td.Properties.ContainerDefinitions as Array<{
          Environment: Array<{ Name: string; Value: unknown }>;
          Secrets?: unknown[];
        }>
      )[0]!;
      const secretId = container.Environment.find((e) => e.Name === 'MQTT_CREDENTIALS_SECRET_ID')?.Value as string;
      expect(typeof secretId).toBe('string');
      const taskRole = idOf(td.Properties.TaskRoleArn)!;
      const statements = statementsOf(taskRole);
      const granted = statements.map((s) => ({ actions: actions(s).sort(), resource: JSON.stringify(s.Resource) }));
      expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
      expect(granted).toHaveLength(3);
      const markerId = container.Environment.find((e) => e.Name === 'BRIDGE_SESSION_MARKER_SECRET_ID')?.Value;
      const kinesis = granted.find((g) => g.actions.some((a) => a.startsWith('kinesis:')));
      const secret = granted.find((g) => g.actions.includes('secretsmanager:DescribeSecret'));
      const marker = granted.find((g) => g.actions.includes('secretsmanager:PutSecretValue'));
      expect(marker?.actions).toEqual(['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue']);
      expect(marker?.resource).toBe(JSON.stringify(markerId));
      expect(kinesis?.actions).toEqual(['kinesis:PutRecord', 'kinesis:PutRecords']);
      expect(kinesis?.resource).toBe(JSON.stringify({ 'Fn::GetAtt': [streamId, 'Arn'] }));
      expect(secret?.actions).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
      expect(secret?.resource).toContain(`:secret:${secretId}-`);
      for (const other of config.feeds.map((f) => f.credentialsSecret).filter((s) => s !== secretId)) {
        expect(secret?.resource).not.toContain(`:secret:${other}-`);
      }
      // The execution role (image pull, logs) reads no secret and touches no data.
      const execution = statementsOf(idOf(td.Properties.ExecutionRoleArn)!).flatMap(actions);
      expect(execution.filter((a) => /^(secretsmanager|kinesis|dynamodb|kms):/.test(a))).toEqual([]);
    }

    // The ingest function: writes to its two tables, reads its stream, its on-failure bucket and log group; no more.
    const functions = ofType('AWS::Lambda::Function').filter(([id]) => id.startsWith('Ingest'));
    expect(functions).toHaveLength(1);
    const fnStatements = statementsOf(idOf(functions[0]![1].Properties.Role)!);
    const allowed: Record<string, RegExp> = {
      dynamodb: /^dynamodb:(PutItem|GetItem|UpdateItem|ConditionCheckItem|BatchWriteItem|DescribeTable)$/,
      kinesis:
        /^kinesis:(DescribeStreamSummary|GetRecords|GetShardIterator|ListShards|SubscribeToShard|DescribeStream|ListStreams|DescribeStreamConsumer)$/,
      s3: /^s3:(PutObject|ListBucket|GetBucketLocation|AbortMultipartUpload)$/,
      logs: /^logs:(CreateLogStream|PutLogEvents|CreateLogGroup)$/,
      kms: /^kms:(Decrypt|Encrypt|GenerateDataKey\*?|ReEncrypt\*?)$/,
    };
    for (const s of fnStatements) {
      const resource = JSON.stringify(s.Resource);
      for (const a of actions(s)) {
        const service = a.split(':')[0]!;
        expect([a, allowed[service]?.test(a) ?? false]).toEqual([a, true]);
        if (service === 'dynamodb') expect(tableIds.some((t) => resource.includes(t))).toBe(true);
        if (service === 'kinesis') expect(resource).toBe(JSON.stringify({ 'Fn::GetAtt': [streamId, 'Arn'] }));
        expect([a, resource]).not.toEqual([a, '"*"']);
      }
    }
    const dynamoTargets = new Set(
      fnStatements
        .filter((s) => actions(s).some((a) => a.startsWith('dynamodb:')))
        .map((s) => JSON.stringify(s.Resource)),
    );
    expect([...dynamoTargets].every((r) => tableIds.some((t) => r.includes(t)))).toBe(true);
    result.notes!.push(
      `template: ${taskDefinitions.length} bridge task roles with PutRecord/PutRecords on the stream and read on their own secret only; ` +
        `ingest role: ${[...new Set(fnStatements.flatMap(actions))].sort().join(', ')}`,
    );
    passedTests++;
  });
});
