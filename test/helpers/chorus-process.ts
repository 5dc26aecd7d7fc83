import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** A server process started by {@link startChorusChild}. */
export interface ChorusChild {
  process: ChildProcess;
  url: string;
  /** What the process wrote so far (its JSON-line log). */
  output(): string;
  /** `SIGKILL`: no shutdown runs, as a crash or `kill -9`. */
  kill9(): Promise<void>;
  /** `SIGTERM`: a clean shutdown. */
  stop(): Promise<void>;
}

/**
 * Starts test/helpers/chorus-child.ts in its own Node process with `env` (on top of this one's),
 * as bench/crash-recovery.ts does, and resolves once it listens.
 * @example const child = await startChorusChild({ DATABASE_URL: url, PORT: '0' });
 */
export function startChorusChild(env: Record<string, string>): Promise<ChorusChild> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, 'chorus-child.ts')],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return new Promise((resolve, reject) => {
    let output = '';
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /ready (\S+)/.exec(output);
      if (ready)
        resolve({
          process: child,
          url: ready[1]!,
          output: () => output,
          kill9: () => end('SIGKILL'),
          stop: () => end('SIGTERM'),
        });
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) =>
      reject(new Error(`the server exited (${code}) before it was ready: ${output.slice(-2000)}`)),
    );
  });
}
