/**
 * `items.map(fn)` with at most `limit` calls in flight, results in order. Reading thousands of
 * checkpoints at once queued thousands of S3 requests behind the SDK's 50 sockets until they timed
 * out (a 10,000-queue verify failed so); a bounded fan-out keeps the same throughput.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
