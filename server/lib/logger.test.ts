import { describe, expect, it } from 'vitest';
import { AppError } from './app-error.ts';
import { childLogger, createLogger } from './logger.ts';

function capture(minimum: 'debug' | 'info' = 'info') {
  const lines: string[] = [];
  const log = createLogger(minimum, (line) => lines.push(line));
  return { log, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('createLogger (pino)', () => {
  it('writes one JSON line per event at or above the minimum, with time, level name and event', () => {
    const { log, entries } = capture('info');
    log('debug', 'hidden');
    log('warn', 'store.slow', { durationMs: 12 });
    expect(entries()).toHaveLength(1);
    expect(entries()[0]).toMatchObject({ level: 'warn', event: 'store.slow', durationMs: 12 });
    expect(Date.parse(String(entries()[0]!.time))).not.toBeNaN();
  });

  it("keeps an error's code, status and cause chain", () => {
    const { log, entries } = capture();
    const root = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const error = new AppError({
      code: 'store_unavailable',
      message: 'store down',
      status: 503,
      cause: root,
    });
    log('error', 'store.failed', { error });
    expect(entries()[0]!.error).toMatchObject({
      name: 'AppError',
      message: 'store down',
      code: 'store_unavailable',
      status: 503,
      cause: { message: 'connect ECONNREFUSED', code: 'ECONNREFUSED' },
    });
  });

  it('redacts tokens, keys, secrets and authorization wherever they sit', () => {
    const { log, entries } = capture();
    log('info', 'config.loaded', {
      accessToken: 'eyJhbGciOi.secret.part',
      headers: { Authorization: 'Bearer sk-live-1', 'x-api-key': 'sk-ant-2' },
      providers: [{ OPENAI_API_KEY: 'sk-3', model: 'gpt-4o-mini' }],
      adminKey: 'admin-4',
      inputTokens: 12,
    });
    const line = JSON.stringify(entries()[0]);
    for (const secret of ['secret.part', 'sk-live-1', 'sk-ant-2', 'sk-3', 'admin-4'])
      expect(line).not.toContain(secret);
    expect(entries()[0]).toMatchObject({ inputTokens: 12, providers: [{ model: 'gpt-4o-mini' }] });
  });

  it('a child logger adds its bindings to every line', () => {
    const { log, entries } = capture();
    const runLog = childLogger(log, { runId: 'r1', roomId: 'lobby' });
    runLog('info', 'reply.started', { agent: 'sage' });
    expect(entries()[0]).toMatchObject({ runId: 'r1', roomId: 'lobby', agent: 'sage' });
  });
});
