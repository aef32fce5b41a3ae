/** Polls `condition` until it holds; throws, naming `what`, after `timeoutMillis`. */
export async function until(condition: () => boolean, timeoutMillis = 15_000, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMillis} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
