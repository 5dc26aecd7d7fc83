import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeltaCoalescer, type DeltaKind } from './coalescer.ts';

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
