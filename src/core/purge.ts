/**
 * Deletes every R2 object under a prefix, a bounded number of list pages per call so a caller
 * (an alarm, a queue message) can resume. Idempotent: deleting what is already gone is a no-op.
 */
export async function purgePrefix(bucket: R2Bucket, prefix: string, maxPages = 10): Promise<{ done: boolean; deleted: number }> {
  let deleted = 0;
  for (let page = 0; page < maxPages; page++) {
    // Always list from the start: the previous page's keys are gone, so no cursor is needed.
    const list = await bucket.list({ prefix, limit: 1000 });
    if (!list.objects.length) return { done: true, deleted };
    await bucket.delete(list.objects.map((o) => o.key));
    deleted += list.objects.length;
    if (!list.truncated) return { done: true, deleted };
  }
  return { done: false, deleted };
}
