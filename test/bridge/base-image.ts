/**
 * The rule for the bridge image's base: the official Node.js image of a supported LTS line, Debian slim, pinned by
 * digest. A tag alone can move under a rebuild; a digest cannot. Node.js release lines and their end-of-life dates
 * from the Node.js release schedule (https://github.com/nodejs/Release#release-schedule): only even majors become LTS.
 */

/** End of life of each Node.js LTS line (the last day it gets fixes). Add a row when a new LTS line starts. */
export const NODE_LTS_END_OF_LIFE: Readonly<Record<number, string>> = {
  18: '2025-04-30',
  20: '2026-04-30',
  22: '2027-04-30',
  24: '2028-04-30',
  26: '2029-04-30',
};

/** `node:<major>.<minor>.<patch>-<debian>-slim@sha256:<64 hex>`, optionally with the registry path. */
const PINNED_NODE_SLIM =
  /^(?:docker\.io\/)?(?:library\/)?node:(\d+)\.(\d+)\.(\d+)-(bookworm|trixie)-slim@sha256:([0-9a-f]{64})$/;

/** The image references of every `FROM` in a Dockerfile, leaving out the stages it builds itself. */
export function baseImages(dockerfile: string): string[] {
  const stages = new Set<string>();
  const images: string[] = [];
  for (const raw of dockerfile.split('\n')) {
    const line = raw.trim();
    if (!/^FROM\s/i.test(line)) continue;
    const words = line
      .split(/\s+/)
      .slice(1)
      .filter((w) => !w.startsWith('--'));
    const image = words[0];
    if (image === undefined) continue;
    if (!stages.has(image)) images.push(image);
    const as = words.findIndex((w) => w.toLowerCase() === 'as');
    if (as >= 0 && words[as + 1] !== undefined) stages.add(words[as + 1]!);
  }
  return images;
}

/** What is wrong with a base image reference on a day (`YYYY-MM-DD`), or nothing. */
export function baseImageProblem(image: string, today: string): string | undefined {
  const m = PINNED_NODE_SLIM.exec(image);
  if (m === null) {
    return (
      `${image}: allowed: node:<major>.<minor>.<patch>-bookworm-slim@sha256:<digest> ` +
      '(an exact Node.js version of a Debian slim image, pinned by digest)'
    );
  }
  const major = Number(m[1]);
  const eol = NODE_LTS_END_OF_LIFE[major];
  if (eol === undefined) {
    return major % 2 === 1
      ? `${image}: Node.js ${major} is not an LTS line (only even majors are); use a supported LTS`
      : `${image}: Node.js ${major} has no end-of-life date in NODE_LTS_END_OF_LIFE (test/bridge/base-image.ts): add its row`;
  }
  if (today > eol) return `${image}: Node.js ${major} reached its end of life on ${eol}; move to a supported LTS`;
  return undefined;
}
