/** `npm run test:chaos`: the reliability and security suite (issue 8), one scenario at a time. */
const base = require('./jest.config.js');
/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/chaos'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 300_000,
  maxWorkers: 1,
  // In band, a handle left by a library (a socket's keep-alive agent, a client's timer) keeps jest alive after the
  // last scenario; each scenario's afterAll kills its processes and servers, so exiting then loses nothing.
  forceExit: true,
};
