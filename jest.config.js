/**
 * `npm test`: every suite under test/ except the chaos suite (its own config, `npm run test:chaos`).
 * ts-jest only transpiles (isolatedModules in tsconfig.json); `npm run typecheck` does the type checking once.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/chaos/'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 60_000,
  maxWorkers: 2,
};
