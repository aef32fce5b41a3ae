/** The test resolver of CloudFormation intrinsics: concrete ARNs for one account and region, or a clear refusal. */
import { IntrinsicResolver, TABLE_STREAM_LABEL, UnresolvableIntrinsicError } from './support/intrinsics';

const target = { account: '111122223333', region: 'eu-west-1', partition: 'aws', stackName: 'S' };
const resources = {
  Table: { Type: 'AWS::DynamoDB::Table', Properties: {} },
  NamedTable: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'readings' } },
  Stream: { Type: 'AWS::Kinesis::Stream', Properties: {} },
  Role: { Type: 'AWS::IAM::Role', Properties: {} },
  Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
  Key: { Type: 'AWS::KMS::Key', Properties: {} },
  Bucket: { Type: 'AWS::S3::Bucket', Properties: {} },
  Logs: { Type: 'AWS::Logs::LogGroup', Properties: {} },
  Alarm: {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: { AlarmName: { 'Fn::Join': ['-', [{ Ref: 'AWS::StackName' }, 'Lag']] } },
  },
  Vpc: { Type: 'AWS::EC2::VPC', Properties: {} },
};
const resolver = new IntrinsicResolver(resources, target);

describe('intrinsic resolver', () => {
  it.each([
    ['a pseudo parameter', { Ref: 'AWS::AccountId' }, '111122223333'],
    ['Ref of a table (its name)', { Ref: 'Table' }, 'Table'],
    ['Ref of a named table', { Ref: 'NamedTable' }, 'readings'],
    ['Ref of a topic (its ARN)', { Ref: 'Topic' }, 'arn:aws:sns:eu-west-1:111122223333:Topic'],
    ['a table ARN', { 'Fn::GetAtt': ['Table', 'Arn'] }, 'arn:aws:dynamodb:eu-west-1:111122223333:table/Table'],
    [
      'a table stream ARN',
      { 'Fn::GetAtt': ['NamedTable', 'StreamArn'] },
      `arn:aws:dynamodb:eu-west-1:111122223333:table/readings/stream/${TABLE_STREAM_LABEL}`,
    ],
    ['a stream ARN', { 'Fn::GetAtt': 'Stream.Arn' }, 'arn:aws:kinesis:eu-west-1:111122223333:stream/Stream'],
    ['a role ARN', { 'Fn::GetAtt': ['Role', 'Arn'] }, 'arn:aws:iam::111122223333:role/Role'],
    ['a bucket ARN (lowercase name)', { 'Fn::GetAtt': ['Bucket', 'Arn'] }, 'arn:aws:s3:::bucket'],
    ['a log group ARN', { 'Fn::GetAtt': ['Logs', 'Arn'] }, 'arn:aws:logs:eu-west-1:111122223333:log-group:Logs:*'],
    [
      'an alarm ARN from its name',
      { 'Fn::GetAtt': ['Alarm', 'Arn'] },
      'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:S-Lag',
    ],
    ['Fn::Join', { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Bucket', 'Arn'] }, '/*']] }, 'arn:aws:s3:::bucket/*'],
    [
      'Fn::Sub with pseudo parameters',
      { 'Fn::Sub': 'cdk-assets-${AWS::AccountId}-${AWS::Region}' },
      'cdk-assets-111122223333-eu-west-1',
    ],
    ['Fn::Sub with a variable map', { 'Fn::Sub': ['${A}/x', { A: { Ref: 'Table' } }] }, 'Table/x'],
    [
      'Fn::Sub with a resource attribute',
      { 'Fn::Sub': '${Stream.Arn}' },
      'arn:aws:kinesis:eu-west-1:111122223333:stream/Stream',
    ],
    ['Fn::Sub keeps ${!Literal}', { 'Fn::Sub': '${!Literal}' }, '${Literal}'],
    ['Fn::Select of Fn::Split', { 'Fn::Select': [1, { 'Fn::Split': [':', 'a:b:c'] }] }, 'b'],
  ])('resolves %s', (_name, value, expected) => {
    expect(resolver.resolve(value)).toEqual(expected);
  });

  it('resolves inside objects and arrays, leaving plain values alone', () => {
    expect(resolver.resolve({ Resource: [{ Ref: 'Table' }, '*'], Effect: 'Allow', n: 1 })).toEqual({
      Resource: ['Table', '*'],
      Effect: 'Allow',
      n: 1,
    });
  });

  it.each([
    ['a resource not in the template', { Ref: 'Missing' }, /no resource Missing/],
    [
      'an attribute it does not know',
      { 'Fn::GetAtt': ['Table', 'Nope'] },
      /Table\.Nope: not known for AWS::DynamoDB::Table/,
    ],
    [
      'an ARN of a type it does not know',
      { 'Fn::GetAtt': ['Vpc', 'Arn'] },
      /no ARN format known for Vpc \(AWS::EC2::VPC\)/,
    ],
    ['an unsupported function', { 'Fn::ImportValue': 'x' }, /Fn::ImportValue is not supported/],
    ['Fn::Select out of range', { 'Fn::Select': [5, ['a']] }, /index 5 outside/],
  ])('fails on %s, naming it', (_name, value, message) => {
    expect(() => resolver.resolve(value)).toThrow(UnresolvableIntrinsicError);
    expect(() => resolver.resolve(value)).toThrow(message);
  });
});
