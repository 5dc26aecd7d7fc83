/**
 * For the widget build: the logging of realtime-js and Phoenix left out. Both log through a
 * `logger` option (`this.log(kind, message, data)`, mostly behind `if (this.hasLogger())`) that
 * the widget never sets (widget/room/realtime-channel.ts passes no `logger`, `debug` or
 * `logLevel`), so every such call does nothing but build its message. The trim plugins
 * (trim-phoenix.ts, trim-realtime-js.ts) run this on the modules they see:
 *
 * - `this.hasLogger()` and `this.socket.hasLogger()` at a call site become `false` (what they
 *   return without a logger), so the guarded branch is dead code the minifier drops;
 * - `this.log(`, `this.socket.log(` and `this.socketAdapter.log(` calls are marked
 *   `@__PURE__`, so the minifier drops those whose result is unused (arguments with side
 *   effects are kept).
 *
 * Measured: 0.5 KB of the gzipped `chorus.js`. drop-realtime-logging.test.ts checks that the
 * widget configures no logger and that nothing else is touched.
 */

const HAS_LOGGER_CALL = /\bthis(?:\.socket)?\.hasLogger\(\)/g;
const LOG_CALL = /\bthis(?:\.socket|\.socketAdapter)?\.log\(/g;

/**
 * The module's source with its logging calls dead.
 * @example dropLogging('if (this.hasLogger()) this.log("x", `y ${z}`);') // 'if (false) /* @__PURE__ *\/ this.log(…'
 */
export function dropLogging(source: string): string {
  return source.replace(HAS_LOGGER_CALL, 'false').replace(LOG_CALL, '/* @__PURE__ */ $&');
}
