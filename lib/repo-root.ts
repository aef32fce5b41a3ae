/** Paths in the repository that the CDK app builds from. */
import * as path from 'node:path';

/** The repository root: the esbuild project root of the ingest function and the bridge image's build context. */
export const REPO_ROOT = path.resolve(__dirname, '..');
