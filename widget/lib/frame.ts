/** Runs a callback soon, once; returns a function that cancels it. */
export type Scheduler = (callback: () => void) => () => void;

/** A frame in a hidden tab never comes; this timer stands in so state still settles there. */
const HIDDEN_TAB_FALLBACK_MS = 250;

/**
 * Runs `callback` at the next animation frame (or after {@link HIDDEN_TAB_FALLBACK_MS} where
 * frames do not come: hidden tabs, Node), whichever is first.
 * @example const cancel = nextFrame(() => render());
 */
export const nextFrame: Scheduler = (callback) => {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    cancel();
    callback();
  };
  const frame =
    typeof requestAnimationFrame === 'function' ? requestAnimationFrame(run) : undefined;
  const timer = setTimeout(run, HIDDEN_TAB_FALLBACK_MS);
  const cancel = () => {
    done = true;
    if (frame !== undefined) cancelAnimationFrame(frame);
    clearTimeout(timer);
  };
  return cancel;
};

/**
 * Coalesces calls: however often `request()` is called, `flush` runs once per scheduled tick.
 * @example const batch = createBatcher(() => $messages.set(client.messages())); client.on('transcript', batch.request);
 */
export function createBatcher(
  flush: () => void,
  schedule: Scheduler = nextFrame,
): { request(): void; flushNow(): void; cancel(): void } {
  let scheduled = false;
  let cancelScheduled: (() => void) | undefined;
  const cancel = () => {
    if (scheduled) cancelScheduled?.();
    scheduled = false;
    cancelScheduled = undefined;
  };
  return {
    request() {
      if (scheduled) return;
      scheduled = true;
      cancelScheduled = schedule(() => {
        scheduled = false;
        cancelScheduled = undefined;
        flush();
      });
    },
    flushNow() {
      cancel();
      flush();
    },
    cancel,
  };
}
