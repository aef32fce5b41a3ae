/**
 * The real CLI path: `npx cdk synth --quiet` with the two example feeds of cdk.json, offline, without Docker and
 * without AWS credentials (the image asset is staged, not built); and a bad context stopping synth with one line per
 * problem.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './support/pipeline';

/** The environment of a machine with no AWS credentials and no network access to AWS. */
function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(AWS_|CDK_)/.test(key)) env[key] = value;
  }
  return {
    ...env,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    ...extra,
  };
}

describe('cdk synth', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-synth-'));
  });
  afterAll(() => {
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  it('synthesises the app with the two example feeds, offline, without Docker or credentials', () => {
    const started = Date.now();
    const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--output', outdir], {
      cwd: REPO_ROOT,
      env: offlineEnv({ PATH: `/nonexistent-docker:${process.env.PATH ?? ''}` }),
      encoding: 'utf8',
      timeout: 240_000,
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({
      status: 0,
      stderr: '',
    });
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'MeterReadingsPipeline.template.json'), 'utf8'));
    const services = Object.values(template.Resources as Record<string, { Type: string }>).filter(
      (r) => r.Type === 'AWS::ECS::Service',
    );
    expect(services).toHaveLength(2);
    // The function was bundled with esbuild, with a source map.
    const assets = fs.readdirSync(outdir).filter((d) => d.startsWith('asset.'));
    expect(assets.some((d) => fs.existsSync(path.join(outdir, d, 'index.js.map')))).toBe(true);
    console.log(`cdk synth took ${seconds} s`);
  }, 300_000);

  it('fails with one line per context problem, naming the value, what was received and what is allowed', () => {
    const result = spawnSync('npx', ['tsx', 'bin/app.ts'], {
      cwd: REPO_ROOT,
      env: offlineEnv({
        CDK_CONTEXT_JSON: JSON.stringify({
          feeds: [
            {
              name: 'feed-a',
              brokerUrl: 'mqtts://mqtt.example.com',
              clientId: 'same',
              topics: ['#'],
              credentialsSecret: 's',
            },
          ],
          ingestBatchSize: 20000,
        }),
        CDK_OUTDIR: outdir,
      }),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(
        /^context: feeds\[0\]\.topics\[0\]: got "#"; not allowed: subscription filter "#" must start/,
      ),
      'context: ingestBatchSize: got 20000; allowed: a whole number from 1 to 10000',
      'context: see docs/deploy.md for every value and its default',
    ]);
  }, 150_000);
});
