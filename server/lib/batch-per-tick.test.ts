import { describe, expect, it } from 'vitest';
import { batchPerTick } from './batch-per-tick.ts';

describe('batchPerTick', () => {
  it('writes the calls of one turn together and gives each caller its own result', async () => {
    const batches: number[][] = [];
    const double = batchPerTick(async (inputs: number[]) => {
      batches.push(inputs);
      return inputs.map((input) => input * 2);
    });
    expect(await Promise.all([double(1), double(2), double(3)])).toEqual([2, 4, 6]);
    expect(await double(4)).toBe(8);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('retries a failed batch one call at a time, so only the bad call fails', async () => {
    const batches: number[][] = [];
    const checked = batchPerTick(async (inputs: number[]) => {
      batches.push(inputs);
      if (inputs.includes(13)) throw new Error('13 is not allowed');
      return inputs;
    });
    const results = await Promise.allSettled([checked(12), checked(13), checked(14)]);
    expect(results).toEqual([
      { status: 'fulfilled', value: 12 },
      { status: 'rejected', reason: new Error('13 is not allowed') },
      { status: 'fulfilled', value: 14 },
    ]);
    expect(batches).toEqual([[12, 13, 14], [12], [13], [14]]);
  });
});
