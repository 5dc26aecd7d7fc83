import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * Returns V8's `gc()`, exposing it at runtime when the process was not started with
 * `--expose-gc`. It is also put on `globalThis`, where an in-process server looks for it.
 *
 * @example
 * const collectGarbage = exposeGc();
 * collectGarbage(); // before a measurement, so no major GC lands in the middle of it
 */
export function exposeGc(): () => void {
  const global = globalThis as { gc?: () => void };
  if (global.gc) return global.gc;
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  global.gc = gc;
  return gc;
}
