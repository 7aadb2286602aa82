import { mapLimit } from '../../src/model/map-limit.js';

describe('mapLimit', () => {
  it('keeps the order of the results and never has more than the limit in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapLimit([5, 1, 4, 2, 3, 0, 6], 3, async (n, i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, n));
      inFlight--;
      return `${i}:${n}`;
    });
    expect(results).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3', '5:0', '6:6']);
    expect(most).toBe(3);
  });

  it('passes a failure on, and handles an empty list', async () => {
    await expect(mapLimit([1, 2], 2, async (n) => { if (n === 2) throw new Error('two'); return n; })).rejects.toThrow('two');
    await expect(mapLimit([], 4, async () => 1)).resolves.toEqual([]);
  });
});
