/**
 * Resolves the CloudFormation intrinsics of a synthesised template (`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`,
 * `Fn::Select`, `Fn::Split` and the pseudo parameters) to concrete values for one fixed test account and region, so an
 * IAM policy evaluator can compare ARNs. Physical names are what CloudFormation would use when a template names
 * the resource (`TableName`, `AlarmName`, ...) and the logical id otherwise; ARNs follow each service's documented
 * format (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
 * Anything it does not know throws, naming the intrinsic and the resource type: it never guesses.
 */

/** Where the template is deployed, for the tests. */
export interface DeployTarget {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  /** The stack's name (`AWS::StackName`). */
  readonly stackName: string;
}

/** A template resource, as much of it as the resolver reads. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** An intrinsic the resolver cannot resolve. */
export class UnresolvableIntrinsicError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnresolvableIntrinsicError';
  }
}

/** The property that names a resource of each type, when the template sets it. */
const NAME_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::ECS::Cluster': 'ClusterName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Kinesis::Stream': 'Name',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::SNS::Topic': 'TopicName',
};

/** The value `Ref` returns, by resource type: a name, an ARN or an id (AWS CloudFormation resource reference). */
const REF_RETURNS: Readonly<Record<string, 'name' | 'arn' | 'id'>> = {
  'AWS::CloudWatch::Alarm': 'name',
  'AWS::DynamoDB::Table': 'name',
  'AWS::ECS::Cluster': 'name',
  'AWS::IAM::ManagedPolicy': 'arn',
  'AWS::IAM::Role': 'name',
  'AWS::Kinesis::Stream': 'name',
  'AWS::KMS::Key': 'id',
  'AWS::Lambda::Function': 'name',
  'AWS::Lambda::EventSourceMapping': 'id',
  'AWS::Logs::LogGroup': 'name',
  'AWS::S3::Bucket': 'name',
  'AWS::SecretsManager::Secret': 'arn',
  'AWS::SNS::Topic': 'arn',
};

/** The fixed DynamoDB stream label the resolver gives every table's stream. */
export const TABLE_STREAM_LABEL = '2026-01-01T00:00:00.000';

/** Resolves a template's intrinsics against one deploy target. */
export class IntrinsicResolver {
  constructor(
    private readonly resources: Readonly<Record<string, TemplateResource>>,
    private readonly target: DeployTarget,
  ) {}

  /** The value with every intrinsic inside it replaced by its concrete value. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, arg] = entries[0]!;
      if (key === 'Ref') return this.ref(arg);
      if (key === 'Fn::GetAtt') return this.getAtt(arg);
      if (key === 'Fn::Join') return this.join(arg);
      if (key === 'Fn::Sub') return this.sub(arg);
      if (key === 'Fn::Select') return this.select(arg);
      if (key === 'Fn::Split') return this.split(arg);
      if (key.startsWith('Fn::') || key === 'Condition') {
        throw new UnresolvableIntrinsicError(`${key} is not supported by the test resolver: ${JSON.stringify(arg)}`);
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v)]));
  }

  /** The resolved value as a string; throws when it is not one. */
  resolveString(value: unknown): string {
    const resolved = this.resolve(value);
    if (typeof resolved !== 'string') {
      throw new UnresolvableIntrinsicError(
        `expected a string, ${JSON.stringify(value)} resolved to ${JSON.stringify(resolved)}`,
      );
    }
    return resolved;
  }

  /** The physical name of a resource: its name property when the template sets one, else its logical id. */
  physicalName(logicalId: string): string {
    const resource = this.resource(logicalId);
    const prop = NAME_PROPERTY[resource.Type];
    const named = prop === undefined ? undefined : resource.Properties?.[prop];
    if (named !== undefined) return this.resolveString(named);
    // S3 bucket names are lowercase; CloudFormation derives one from the stack and logical id.
    return resource.Type === 'AWS::S3::Bucket' ? logicalId.toLowerCase() : logicalId;
  }

  /** The ARN of a resource, in its service's format. */
  arn(logicalId: string): string {
    const { account: a, region: r, partition: p } = this.target;
    const type = this.resource(logicalId).Type;
    const name = this.physicalName(logicalId);
    switch (type) {
      case 'AWS::CloudWatch::Alarm':
        return `arn:${p}:cloudwatch:${r}:${a}:alarm:${name}`;
      case 'AWS::DynamoDB::Table':
        return `arn:${p}:dynamodb:${r}:${a}:table/${name}`;
      case 'AWS::ECS::Cluster':
        return `arn:${p}:ecs:${r}:${a}:cluster/${name}`;
      case 'AWS::IAM::ManagedPolicy':
        return `arn:${p}:iam::${a}:policy/${name}`;
      case 'AWS::IAM::Role':
        return `arn:${p}:iam::${a}:role/${name}`;
      case 'AWS::Kinesis::Stream':
        return `arn:${p}:kinesis:${r}:${a}:stream/${name}`;
      case 'AWS::KMS::Key':
        return `arn:${p}:kms:${r}:${a}:key/${this.keyId(logicalId)}`;
      case 'AWS::Lambda::Function':
        return `arn:${p}:lambda:${r}:${a}:function:${name}`;
      case 'AWS::Logs::LogGroup':
        // Fn::GetAtt Arn of a log group ends with ":*" (AWS::Logs::LogGroup return values).
        return `arn:${p}:logs:${r}:${a}:log-group:${name}:*`;
      case 'AWS::S3::Bucket':
        return `arn:${p}:s3:::${name}`;
      case 'AWS::SNS::Topic':
        return `arn:${p}:sns:${r}:${a}:${name}`;
      case 'AWS::SecretsManager::Secret':
        // Secrets Manager appends "-" and six random characters to the name.
        return `arn:${p}:secretsmanager:${r}:${a}:secret:${name}-AbCdEf`;
      default:
        throw new UnresolvableIntrinsicError(`no ARN format known for ${logicalId} (${type})`);
    }
  }

  private keyId(logicalId: string): string {
    // A stable, UUID-shaped id per key.
    const hex = Buffer.from(logicalId.padEnd(16, '0').slice(0, 16)).toString('hex').slice(0, 32);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  }

  private resource(logicalId: string): TemplateResource {
    const resource = this.resources[logicalId];
    if (resource === undefined) throw new UnresolvableIntrinsicError(`no resource ${logicalId} in the template`);
    return resource;
  }

  private pseudo(name: string): string | undefined {
    const { account, region, partition, stackName } = this.target;
    const values: Record<string, string> = {
      'AWS::AccountId': account,
      'AWS::Region': region,
      'AWS::Partition': partition,
      'AWS::URLSuffix': partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
      'AWS::StackName': stackName,
    };
    return values[name];
  }

  private ref(arg: unknown): string {
    if (typeof arg !== 'string') throw new UnresolvableIntrinsicError(`Ref takes a name, got ${JSON.stringify(arg)}`);
    const pseudo = this.pseudo(arg);
    if (pseudo !== undefined) return pseudo;
    const type = this.resource(arg).Type;
    const returns = REF_RETURNS[type];
    if (returns === 'name') return this.physicalName(arg);
    if (returns === 'arn') return this.arn(arg);
    if (returns === 'id') return type === 'AWS::KMS::Key' ? this.keyId(arg) : `${arg}-id`;
    throw new UnresolvableIntrinsicError(`Ref ${arg}: no Ref value known for ${type}`);
  }

  private getAtt(arg: unknown): string {
    const [logicalId, attribute] =
      typeof arg === 'string' ? (arg.split('.', 2) as [string, string?]) : (arg as [string, string?]);
    if (typeof logicalId !== 'string' || typeof attribute !== 'string') {
      throw new UnresolvableIntrinsicError(`Fn::GetAtt takes [logicalId, attribute], got ${JSON.stringify(arg)}`);
    }
    const type = this.resource(logicalId).Type;
    if (attribute === 'Arn') return this.arn(logicalId);
    if (type === 'AWS::DynamoDB::Table' && attribute === 'StreamArn') {
      return `${this.arn(logicalId)}/stream/${TABLE_STREAM_LABEL}`;
    }
    if (type === 'AWS::SNS::Topic' && attribute === 'TopicArn') return this.arn(logicalId);
    if (type === 'AWS::SNS::Topic' && attribute === 'TopicName') return this.physicalName(logicalId);
    if (type === 'AWS::KMS::Key' && attribute === 'KeyId') return this.keyId(logicalId);
    if (type === 'AWS::ECS::Cluster' && attribute === 'Name') return this.physicalName(logicalId);
    if (type === 'AWS::ECS::Service' && attribute === 'Name') return logicalId;
    throw new UnresolvableIntrinsicError(`Fn::GetAtt ${logicalId}.${attribute}: not known for ${type}`);
  }

  private join(arg: unknown): string {
    if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string') {
      throw new UnresolvableIntrinsicError(`Fn::Join takes [separator, list], got ${JSON.stringify(arg)}`);
    }
    const list = this.resolve(arg[1]);
    if (!Array.isArray(list)) throw new UnresolvableIntrinsicError(`Fn::Join: ${JSON.stringify(arg[1])} is no list`);
    return list.map((item) => this.resolveString(item)).join(arg[0]);
  }

  private sub(arg: unknown): string {
    const [text, variables] = typeof arg === 'string' ? [arg, {}] : (arg as [unknown, Record<string, unknown>?]);
    if (typeof text !== 'string')
      throw new UnresolvableIntrinsicError(`Fn::Sub takes a string, got ${JSON.stringify(arg)}`);
    const vars = variables ?? {};
    // ${!Literal} stays as ${Literal}; ${Name} and ${Name.Attribute} are replaced.
    return text.replace(/\$\{(!?)([^}]+)\}/g, (_all, bang: string, name: string) => {
      if (bang === '!') return `\${${name}}`;
      if (name in vars) return this.resolveString(vars[name]);
      if (name.includes('.') && !name.startsWith('AWS::')) {
        const [id, attribute] = name.split('.', 2) as [string, string];
        return this.getAtt([id, attribute]);
      }
      return this.ref(name);
    });
  }

  private select(arg: unknown): unknown {
    if (!Array.isArray(arg) || arg.length !== 2) {
      throw new UnresolvableIntrinsicError(`Fn::Select takes [index, list], got ${JSON.stringify(arg)}`);
    }
    const index = Number(this.resolve(arg[0]));
    const list = this.resolve(arg[1]);
    if (!Array.isArray(list) || !Number.isInteger(index) || index < 0 || index >= list.length) {
      throw new UnresolvableIntrinsicError(`Fn::Select: index ${index} outside ${JSON.stringify(list)}`);
    }
    return list[index];
  }

  private split(arg: unknown): string[] {
    if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string') {
      throw new UnresolvableIntrinsicError(`Fn::Split takes [separator, string], got ${JSON.stringify(arg)}`);
    }
    return this.resolveString(arg[1]).split(arg[0]);
  }
}
