/** Reading the AWS calls a runtime can make from its code: SDK command imports, followed through relative imports. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../cdk/support/pipeline';
import { filesSendingSdkCommands, sdkCalls, sdkImportsFrom, UnmappedSdkCommandError } from './support/sdk-calls';

function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'access-sdk-calls-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  return root;
}

describe('SDK calls read from the code', () => {
  it('follows relative imports and finds the commands and paginators imported as values', () => {
    // GIVEN an entry that imports a module that imports a command, a paginator and a type-only command
    const root = tree({
      'app/main.ts': "import { run } from './store';\nexport * from './util';\nrun();",
      'app/store.ts':
        "import { PutItemCommand, paginateQuery, type GetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';\n" +
        "import type { ScanCommand } from '@aws-sdk/client-dynamodb';\nexport const run = () => [PutItemCommand, paginateQuery, DynamoDBClient];",
      'app/util/index.ts': "import { PutRecordsCommand as Put } from '@aws-sdk/client-kinesis';\nexport const p = Put;",
      'app/unused.ts': "import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';",
    });
    // WHEN its calls are read
    const calls = sdkCalls(sdkImportsFrom('app/main.ts', root));
    // THEN only the value imports reached from the entry count, each with its IAM action and file
    expect(calls.map((c) => `${c.file} ${c.name} ${c.action}`).sort()).toEqual([
      'app/store.ts PutItemCommand dynamodb:PutItem',
      'app/store.ts paginateQuery dynamodb:Query',
      'app/util/index.ts PutRecordsCommand kinesis:PutRecords',
    ]);
    expect(filesSendingSdkCommands(['app'], root)).toEqual(['app/store.ts', 'app/unused.ts', 'app/util/index.ts']);
  });

  it('fails on a command that has no IAM action in the table, naming the command and the file', () => {
    const root = tree({ 'main.ts': "import { CreateTableCommand } from '@aws-sdk/client-dynamodb';" });
    const read = () => sdkCalls(sdkImportsFrom('main.ts', root));
    expect(read).toThrow(UnmappedSdkCommandError);
    expect(read).toThrow(
      'main.ts imports CreateTableCommand from @aws-sdk/client-dynamodb, which has no IAM action in SDK_ACTIONS',
    );
  });

  it('fails on a namespace import of an SDK package, which would hide the commands', () => {
    const root = tree({ 'main.ts': "import * as ddb from '@aws-sdk/client-dynamodb';\nddb;" });
    expect(() => sdkImportsFrom('main.ts', root)).toThrow(/import the commands by name/);
  });

  it('finds the commands the bridge sends in this repository', () => {
    const names = sdkImportsFrom('bridge/src/main.ts', REPO_ROOT).map((i) => i.name);
    expect(names).toEqual(expect.arrayContaining(['GetSecretValueCommand', 'PutRecordsCommand']));
  });
});
