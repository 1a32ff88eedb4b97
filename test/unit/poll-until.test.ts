import { describe, expect, it } from 'vitest';
import { pollUntil } from '../../src/util/deadline.js';

describe('pollUntil', () => {
  it('asks again until the probe gives a value, a throw counting as none yet', async () => {
    let asked = 0;
    const value = await pollUntil(
      async () => {
        asked += 1;
        if (asked === 1) throw new Error('not served yet');
        return asked === 3 ? 'ready' : undefined;
      },
      { timeoutMs: 1000, intervalMs: 5, what: 'it' },
    );
    expect(value).toBe('ready');
    expect(asked).toBe(3);
  });

  it('gives up after its timeout, saying what it waited for and the state then', async () => {
    await expect(pollUntil(async () => undefined, { timeoutMs: 30, intervalMs: 5, what: async () => 'the pod: Pending' })).rejects.toThrow(
      'waited 0.03 s for the pod: Pending',
    );
  });
});
