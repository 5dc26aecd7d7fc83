/**
 * `setTimeout` as a promise that ends early, without rejecting, when `signal` aborts: retry
 * back-offs and paced streams wait with it, so a stop never waits for a timer.
 * @example
 * await abortableSleep(40, request.signal);
 */
export function abortableSleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const finish = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      resolve();
    };
    const timer = setTimeout(finish, milliseconds);
    signal.addEventListener('abort', finish, { once: true });
  });
}
