/**
 * The CDK app: reads and validates the context (lib/app-config.ts), builds the pipeline stack and runs cdk-nag's
 * AwsSolutions checks on every synth. A context problem stops synth with one line per problem.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AppConfigError, parseAppConfig } from '../lib/app-config';
import { PipelineStack } from '../lib/pipeline-stack';

const app = new App();
let config;
try {
  config = parseAppConfig((key) => app.node.tryGetContext(key));
} catch (error) {
  if (!(error instanceof AppConfigError)) throw error;
  for (const line of error.problems) console.error(`context: ${line}`);
  console.error('context: see docs/deploy.md for every value and its default');
  process.exit(1);
}

// Env-agnostic unless credentials name an account: synth then needs no AWS access. A vpcId lookup needs both.
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
if (config.vpcId !== undefined && (!account || !region)) {
  console.error(
    `context: vpcId: got ${JSON.stringify(config.vpcId)}; a VPC lookup needs the account and region: AWS ` +
      'credentials (the CLI then sets CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION), or set those two variables ' +
      'yourself when cdk.context.json already holds the lookup',
  );
  process.exit(1);
}

new PipelineStack(app, 'MeterReadingsPipeline', {
  config,
  description: 'Meter readings: MQTT bridge -> Kinesis -> ingest function -> DynamoDB, with alarms',
  ...(account && region ? { env: { account, region } } : {}),
});
// cdk-nag 3 is a policy validation plugin: any unacknowledged finding fails the synth with a report.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
