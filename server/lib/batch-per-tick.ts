/**
 * Calls made in one turn of the event loop, written together: the replies a process starts at
 * once (the agents of one message, the rooms of one claim) each make a statement per step, and
 * on a busy machine every statement costs the server a wake-up of the database (bench:capacity,
 * docs/benchmarks.md). A batch that fails is retried one call at a time, so one bad call fails
 * alone.
 * @example
 * const start = batchPerTick((inputs) => transcript.startAgentMessages(inputs));
 * const [a, b] = await Promise.all([start(first), start(second)]); // one statement
 */
export function batchPerTick<Input, Output>(
  writeAll: (inputs: Input[]) => Promise<Output[]>,
): (input: Input) => Promise<Output> {
  interface Call {
    input: Input;
    resolve(output: Output): void;
    reject(error: unknown): void;
  }
  let pending: Call[] = [];

  const settle = (call: Call, written: Promise<Output[]>): void => {
    written.then(([output]) => call.resolve(output!), call.reject);
  };

  const flush = (): void => {
    const calls = pending;
    pending = [];
    if (calls.length === 1) {
      settle(calls[0]!, writeAll([calls[0]!.input]));
      return;
    }
    writeAll(calls.map((call) => call.input)).then(
      (outputs) => calls.forEach((call, index) => call.resolve(outputs[index]!)),
      () => calls.forEach((call) => settle(call, writeAll([call.input]))),
    );
  };

  return (input) =>
    new Promise<Output>((resolve, reject) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push({ input, resolve, reject });
    });
}
