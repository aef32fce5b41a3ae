/**
 * A preload for the crash case of the `npm start` tests: in the runner (not its supervisor), SIGUSR2 makes an
 * uncaught exception, as a bug in the runner would.
 */
if (process.env.METER_READINGS_LOCAL_RUNNER === '1' && process.argv.some((a) => a.endsWith('local/start.ts'))) {
  process.on('SIGUSR2', () =>
    setImmediate(() => {
      throw new Error('injected crash (test)');
    }),
  );
}
