// Without the elements (mount-chat.ts defines them): the loader's tests need <chorus-chat> undefined.
/** Polls until `check` passes (returns without throwing), or fails with its last error. */
export async function until(check: () => void, timeoutMs = 2_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 16));
    }
  }
}
