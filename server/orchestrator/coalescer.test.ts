import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DeltaCoalescer,
  coalescingFor,
  realtimeMessagesPerReplyMinute,
  type CoalescerOptions,
  type DeltaKind,
} from './coalescer.ts';
import { loadConfig } from '../config.ts';

let sent: Array<[DeltaKind, string]>;
let coalescer: DeltaCoalescer;

beforeEach(() => {
  vi.useFakeTimers();
  sent = [];
  coalescer = new DeltaCoalescer(
    async (kind, text) => {
      sent.push([kind, text]);
    },
    { windowMs: 40, maxChars: 10 },
  );
});
afterEach(() => {
  vi.useRealTimers();
});

describe('DeltaCoalescer', () => {
  it('sends the first delta at once, so a reply starts without delay', async () => {
    await coalescer.push('text-delta', 'Hel');
    expect(sent).toEqual([['text-delta', 'Hel']]);
  });

  it('gathers later deltas for the window and sends them as one batch', async () => {
    await coalescer.push('text-delta', 'a');
    await coalescer.push('text-delta', 'b');
    await coalescer.push('text-delta', 'c');
    await vi.advanceTimersByTimeAsync(39);
    expect(sent).toEqual([['text-delta', 'a']]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([
      ['text-delta', 'a'],
      ['text-delta', 'bc'],
    ]);
  });

  it('sends at once when the waiting text reaches the size threshold', async () => {
    await coalescer.push('text-delta', 'first');
    await coalescer.push('text-delta', '12345');
    await coalescer.push('text-delta', '67890');
    expect(sent).toEqual([
      ['text-delta', 'first'],
      ['text-delta', '1234567890'],
    ]);
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toHaveLength(2); // nothing left for the window
  });

  it('sends what waits before a delta of another kind, keeping the order', async () => {
    await coalescer.push('reasoning-delta', 'think');
    await coalescer.push('reasoning-delta', 'ing');
    await coalescer.push('text-delta', 'An');
    await coalescer.push('text-delta', 'swer');
    await coalescer.flush();
    expect(sent).toEqual([
      ['reasoning-delta', 'think'],
      ['reasoning-delta', 'ing'],
      ['text-delta', 'Answer'],
    ]);
  });

  it('flush sends what waits now and cancels the window; empty deltas send nothing', async () => {
    await coalescer.push('text-delta', 'a');
    await coalescer.push('text-delta', '');
    await coalescer.push('text-delta', 'b');
    await coalescer.flush();
    await coalescer.flush();
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([
      ['text-delta', 'a'],
      ['text-delta', 'b'],
    ]);
  });
});

const NONE_SET = { windowMs: null, maxChars: null };

/** Streams `tokens` 4-character tokens at 30 tokens/s through a coalescer; the batches sent. */
async function streamAt30PerSecond(options: CoalescerOptions, tokens: number): Promise<string[]> {
  const batches: string[] = [];
  const stream = new DeltaCoalescer(async (_kind, text) => {
    batches.push(text);
  }, options);
  for (let index = 0; index < tokens; index += 1) {
    await stream.push('text-delta', `t${String(index).padStart(2, '0')} `);
    await vi.advanceTimersByTimeAsync(1000 / 30);
  }
  await stream.flush();
  return batches;
}

describe('coalescing on hosted Realtime', () => {
  it('uses a longer window when the rooms ride an external (billed) Realtime, 40 ms on the hub', () => {
    expect(coalescingFor('embedded', { windowMs: null, maxChars: null })).toEqual({
      windowMs: 40,
      maxChars: 512,
    });
    expect(coalescingFor('external', { windowMs: null, maxChars: null })).toEqual({
      windowMs: 150,
      maxChars: 512,
    });
  });

  it('is what a server configured with CHORUS_REALTIME_URL coalesces with, unless CHORUS_COALESCE_MS says otherwise', () => {
    const hosted = {
      CHORUS_REALTIME_URL: 'wss://project.supabase.co/realtime/v1',
      CHORUS_JWT_SECRET: 'x'.repeat(40),
      CHORUS_REALTIME_SERVICE_KEY: 'sb_secret_abc',
      CHORUS_REALTIME_ANON_KEY: 'sb_publishable_xyz',
    };
    expect(loadConfig(hosted).orchestrator).toMatchObject({
      coalesceWindowMs: 150,
      coalesceMaxChars: 512,
    });
    expect(
      loadConfig({ ...hosted, CHORUS_COALESCE_MS: '60', CHORUS_COALESCE_MAX_CHARS: '200' })
        .orchestrator,
    ).toMatchObject({ coalesceWindowMs: 60, coalesceMaxChars: 200 });
    expect(loadConfig({}).orchestrator).toMatchObject({
      coalesceWindowMs: 40,
      coalesceMaxChars: 512,
    });
  });

  it('keeps what CHORUS_COALESCE_MS and CHORUS_COALESCE_MAX_CHARS set, in either mode', () => {
    expect(coalescingFor('external', { windowMs: 0, maxChars: 64 })).toEqual({
      windowMs: 0,
      maxChars: 64,
    });
    expect(coalescingFor('embedded', { windowMs: 200, maxChars: null })).toEqual({
      windowMs: 200,
      maxChars: 512,
    });
  });

  it('sends a 30 tokens/s reply in about 5 tokens a broadcast with the hosted window, 2 with 40 ms', async () => {
    const tokens = 90; // 3 s
    const embedded = await streamAt30PerSecond(coalescingFor('embedded', NONE_SET), tokens);
    const hosted = await streamAt30PerSecond(coalescingFor('external', NONE_SET), tokens);
    for (const batches of [embedded, hosted]) expect(batches.join('')).toHaveLength(tokens * 4);
    const tokensPerBroadcast = (batches: string[]) => (tokens - 1) / (batches.length - 1); // after the first
    expect(tokensPerBroadcast(embedded)).toBeCloseTo(2, 0);
    expect(tokensPerBroadcast(hosted)).toBeCloseTo(5, 0);
  });

  it('a size threshold sends early even with the long window', async () => {
    const batches = await streamAt30PerSecond({ windowMs: 150, maxChars: 8 }, 31);
    expect(batches.slice(1).every((batch) => batch.length <= 8)).toBe(true);
    expect(batches.length).toBeGreaterThan(15);
  });

  it('counts Realtime messages per reply-minute as one per send plus one per receiver', () => {
    expect(realtimeMessagesPerReplyMinute({ broadcasts: 15, seconds: 1, receivers: 1 })).toBe(1800);
    expect(realtimeMessagesPerReplyMinute({ broadcasts: 60, seconds: 10, receivers: 4 })).toBe(
      1800,
    );
    expect(realtimeMessagesPerReplyMinute({ broadcasts: 3, seconds: 0, receivers: 1 })).toBe(0);
  });
});
