/** The bridge's Dockerfile runs on a supported Node.js LTS slim image, pinned by digest. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { baseImageProblem, baseImages } from './base-image';

const DOCKERFILE = path.join(__dirname, '..', '..', 'bridge', 'Dockerfile');
const digest = 'sha256:' + 'a'.repeat(64);

describe('the bridge image base', () => {
  const dockerfile = fs.readFileSync(DOCKERFILE, 'utf8');
  const today = new Date().toISOString().slice(0, 10);

  it('builds and runs on one supported LTS slim image, pinned by digest', () => {
    const images = baseImages(dockerfile);
    expect(images.length).toBeGreaterThan(0);
    expect(images.map((image) => baseImageProblem(image, today))).toEqual(images.map(() => undefined));
    expect(new Set(images).size).toBe(1);
  });

  it('bundles for the Node.js major it runs on', () => {
    const major = /node:(\d+)\./.exec(baseImages(dockerfile)[0] ?? '')?.[1];
    expect(dockerfile).toContain(`--target=node${major}`);
  });

  it.each([
    ['a pinned LTS slim image', `node:24.16.0-bookworm-slim@sha256:${'0'.repeat(64)}`, '2026-12-01', undefined],
    [
      'the same with the registry path',
      `docker.io/library/node:22.21.1-bookworm-slim@${digest}`,
      '2026-12-01',
      undefined,
    ],
  ])('accepts %s', (_name, image, day, expected) => {
    expect(baseImageProblem(image, day)).toBe(expected);
  });

  it.each([
    ['a tag without a digest', 'node:24.16.0-bookworm-slim', '2026-12-01', /pinned by digest/],
    ['a moving tag', `node:24-slim@${digest}`, '2026-12-01', /an exact Node.js version/],
    ['a full (not slim) image', `node:24.16.0-bookworm@${digest}`, '2026-12-01', /Debian slim/],
    ['a short digest', 'node:24.16.0-bookworm-slim@sha256:abc', '2026-12-01', /pinned by digest/],
    [
      'Node.js 20 after its end of life',
      `node:20.19.5-bookworm-slim@${digest}`,
      '2026-12-01',
      /end of life on 2026-04-30/,
    ],
    [
      'Node.js 24 after its end of life',
      `node:24.16.0-bookworm-slim@${digest}`,
      '2028-05-01',
      /end of life on 2028-04-30/,
    ],
    ['an odd, never-LTS major', `node:25.1.0-bookworm-slim@${digest}`, '2026-12-01', /not an LTS line/],
    ['an LTS major with no row', `node:28.1.0-bookworm-slim@${digest}`, '2028-12-01', /add its row/],
  ])('fails on %s', (_name, image, day, message) => {
    expect(baseImageProblem(image, day)).toMatch(message);
  });

  it('reads the images of every FROM, not the stages it builds', () => {
    const text = [
      `FROM --platform=$BUILDPLATFORM node:24.16.0-bookworm-slim@${digest} AS build`,
      'RUN true',
      'FROM build AS test',
      'from node:20-slim',
    ].join('\n');
    expect(baseImages(text)).toEqual([`node:24.16.0-bookworm-slim@${digest}`, 'node:20-slim']);
  });
});
