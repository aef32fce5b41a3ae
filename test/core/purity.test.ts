import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const coreDir = join(__dirname, '../../core');
const files = readdirSync(coreDir).filter((f) => f.endsWith('.ts'));

describe('core/', () => {
  it.each(files)('%s imports only core files and lossless-json (no I/O, no mqtt, no AWS SDK)', (file) => {
    const source = readFileSync(join(coreDir, file), 'utf8');
    const imports = [...source.matchAll(/(?:from\s+|require\(|import\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
    const foreign = imports.filter((i) => !i!.startsWith('./') && i !== 'lossless-json');
    expect(foreign).toEqual([]);
  });

  it('has files to check', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });
});
