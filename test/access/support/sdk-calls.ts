/**
 * The AWS calls a runtime's code can make, read from the code itself: from an entry file, every module it imports
 * (relative imports, followed transitively), and in each one the SDK command classes (`PutRecordsCommand`) and
 * paginators (`paginateQuery`) it imports as values from `@aws-sdk/*`. Each maps to the IAM action it needs through
 * {@link SDK_ACTIONS}; a command missing from that table fails the suite, naming the command and the file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

/**
 * The IAM action each SDK command or paginator needs, by package. Add a row when the code starts sending a new one
 * (the action is in the Service Authorization Reference:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
 */
export const SDK_ACTIONS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  '@aws-sdk/client-dynamodb': {
    BatchGetItemCommand: ['dynamodb:BatchGetItem'],
    BatchWriteItemCommand: ['dynamodb:BatchWriteItem'],
    DeleteItemCommand: ['dynamodb:DeleteItem'],
    DescribeTableCommand: ['dynamodb:DescribeTable'],
    GetItemCommand: ['dynamodb:GetItem'],
    PutItemCommand: ['dynamodb:PutItem'],
    QueryCommand: ['dynamodb:Query'],
    ScanCommand: ['dynamodb:Scan'],
    TransactWriteItemsCommand: [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:ConditionCheckItem',
    ],
    UpdateItemCommand: ['dynamodb:UpdateItem'],
    paginateQuery: ['dynamodb:Query'],
    paginateScan: ['dynamodb:Scan'],
  },
  '@aws-sdk/client-kinesis': {
    DescribeStreamSummaryCommand: ['kinesis:DescribeStreamSummary'],
    GetRecordsCommand: ['kinesis:GetRecords'],
    GetShardIteratorCommand: ['kinesis:GetShardIterator'],
    ListShardsCommand: ['kinesis:ListShards'],
    PutRecordCommand: ['kinesis:PutRecord'],
    PutRecordsCommand: ['kinesis:PutRecords'],
  },
  '@aws-sdk/client-s3': {
    GetObjectCommand: ['s3:GetObject'],
    HeadObjectCommand: ['s3:GetObject'],
    ListObjectsV2Command: ['s3:ListBucket'],
    PutObjectCommand: ['s3:PutObject'],
    paginateListObjectsV2: ['s3:ListBucket'],
  },
  '@aws-sdk/client-secrets-manager': {
    GetSecretValueCommand: ['secretsmanager:GetSecretValue'],
    PutSecretValueCommand: ['secretsmanager:PutSecretValue'],
  },
  '@aws-sdk/client-ssm': {
    GetParameterCommand: ['ssm:GetParameter'],
    PutParameterCommand: ['ssm:PutParameter'],
  },
};

/** One value import of an SDK command or paginator, where it is. */
export interface SdkImport {
  /** The package, e.g. `@aws-sdk/client-kinesis`. */
  readonly sdkPackage: string;
  /** The imported name, e.g. `PutRecordsCommand`. */
  readonly name: string;
  /** The importing file, relative to the repository root. */
  readonly file: string;
}

/** One call a runtime can make: the command and the IAM action it needs. */
export interface SdkCall extends SdkImport {
  readonly action: string;
}

/** A command the suite has no IAM action for. */
export class UnmappedSdkCommandError extends Error {
  constructor(readonly sdkImport: SdkImport) {
    super(
      `${sdkImport.file} imports ${sdkImport.name} from ${sdkImport.sdkPackage}, which has no IAM action in ` +
        'SDK_ACTIONS (test/access/support/sdk-calls.ts): add its row',
    );
    this.name = 'UnmappedSdkCommandError';
  }
}

const isSdkCallName = (name: string) => name.endsWith('Command') || /^paginate[A-Z]/.test(name);

/** The files a module imports by relative path, resolved to `.ts` files. */
function relativeImports(file: string, source: ts.SourceFile): string[] {
  const out: string[] = [];
  for (const statement of source.statements) {
    const specifier =
      (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
      statement.moduleSpecifier !== undefined &&
      ts.isStringLiteral(statement.moduleSpecifier)
        ? statement.moduleSpecifier.text
        : undefined;
    if (specifier === undefined || !specifier.startsWith('.')) continue;
    const base = path.resolve(path.dirname(file), specifier);
    const candidates = [`${base}.ts`, path.join(base, 'index.ts'), base];
    const found = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
    if (found === undefined) throw new Error(`${file}: cannot resolve import ${JSON.stringify(specifier)}`);
    if (found.endsWith('.ts')) out.push(found);
  }
  return out;
}

/** The SDK commands and paginators a module imports as values (type-only imports are no calls). */
function sdkImportsOf(file: string, source: ts.SourceFile, root: string): SdkImport[] {
  const out: SdkImport[] = [];
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const sdkPackage = statement.moduleSpecifier.text;
    if (!sdkPackage.startsWith('@aws-sdk/')) continue;
    const clause = statement.importClause;
    if (clause === undefined || clause.isTypeOnly) continue;
    const bindings = clause.namedBindings;
    if (bindings !== undefined && ts.isNamespaceImport(bindings)) {
      throw new Error(
        `${file}: import * from ${sdkPackage}: import the commands by name so the access suite sees them`,
      );
    }
    for (const element of bindings?.elements ?? []) {
      if (element.isTypeOnly) continue;
      const name = (element.propertyName ?? element.name).text;
      if (isSdkCallName(name)) out.push({ sdkPackage, name, file: path.relative(root, file) });
    }
  }
  return out;
}

/** Every SDK command and paginator the entry file and the modules it imports (transitively) import. */
export function sdkImportsFrom(entry: string, root: string): SdkImport[] {
  const seen = new Set<string>();
  const queue = [path.resolve(root, entry)];
  const found: SdkImport[] = [];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
    found.push(...sdkImportsOf(file, source, root));
    queue.push(...relativeImports(file, source));
  }
  return found.sort((a, b) => `${a.file}:${a.name}`.localeCompare(`${b.file}:${b.name}`));
}

/** Every module the entry file reaches through relative imports, relative to the root. */
export function modulesFrom(entry: string, root: string): string[] {
  const seen = new Set<string>();
  const queue = [path.resolve(root, entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
    queue.push(...relativeImports(file, source));
  }
  return [...seen].map((f) => path.relative(root, f)).sort();
}

/** The IAM actions of SDK imports; throws {@link UnmappedSdkCommandError} for a command with no row. */
export function sdkCalls(imports: readonly SdkImport[]): SdkCall[] {
  return imports.flatMap((i) => {
    const actions = SDK_ACTIONS[i.sdkPackage]?.[i.name];
    if (actions === undefined) throw new UnmappedSdkCommandError(i);
    return actions.map((action) => ({ ...i, action }));
  });
}

/**
 * Every file under the given folders that imports an SDK command or paginator as a value, relative to the root
 * (so a test can check that each is reached from a declared runtime entry).
 */
export function filesSendingSdkCommands(folders: readonly string[], root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'test') walk(full);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const source = ts.createSourceFile(full, fs.readFileSync(full, 'utf8'), ts.ScriptTarget.Latest, false);
        if (sdkImportsOf(full, source, root).length > 0) out.push(path.relative(root, full));
      }
    }
  };
  for (const folder of folders) walk(path.join(root, folder));
  return out.sort();
}
