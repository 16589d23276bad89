/**
 * Short-lived caches of the data plane's hot-path reads (service rows, access keys, bucket rows,
 * identity policies), kept in this isolate's memory.
 *
 * Consistency, the rule every cache here follows:
 * - Changes made through this isolate apply at once: every request that may change what is cached
 *   (any control-plane write, an S3 bucket-level write) calls `invalidateIsolateCaches()` before
 *   its response leaves, which empties every cache of the isolate.
 * - Changes made through another isolate (or another machine) apply within `ISOLATE_CACHE_MS`.
 *   AWS documents the same for IAM and bucket policies: changes are eventually consistent.
 * - A value read while an invalidation happened is not kept (it may predate the change).
 * - Only values are cached, never pending promises (a promise must not cross requests), and only
 *   what `keep` accepts (callers do not cache "not found", so anything created elsewhere is usable
 *   at once).
 */

/** How long a cached read is trusted when nothing in this isolate invalidated it. */
export const ISOLATE_CACHE_MS = 5_000;
const DEFAULT_LIMIT = 1000;

let generation = 0;
/** Empties every IsolateCache of this isolate (lazily: entries of an older generation are ignored). */
export function invalidateIsolateCaches(): void {
  generation++;
}

/** Taken before a read whose result goes to `put`. */
export function cacheGeneration(): number {
  return generation;
}

export class IsolateCache<V> {
  private readonly entries = new Map<string, { at: number; generation: number; value: V }>();

  constructor(
    private readonly ttlMs: number = ISOLATE_CACHE_MS,
    private readonly limit: number = DEFAULT_LIMIT,
  ) {}

  /** The cached value for `key`, or `load()`'s (kept when `keep` says so). */
  async get(key: string, load: () => Promise<V>, keep: (value: V) => boolean = () => true, now: number = Date.now()): Promise<V> {
    const hit = this.peek(key, now);
    if (hit !== undefined) return hit.value;
    const before = cacheGeneration();
    const value = await load();
    if (keep(value)) this.put(key, value, before, now);
    else this.entries.delete(key);
    return value;
  }

  /** The cached value, if one is still trusted. */
  peek(key: string, now: number = Date.now()): { value: V } | undefined {
    const hit = this.entries.get(key);
    if (hit && hit.generation === generation && now - hit.at < this.ttlMs && now >= hit.at) return { value: hit.value };
    return undefined;
  }

  /** Keeps a value read since `before` (a `cacheGeneration()`), unless an invalidation came in between. */
  put(key: string, value: V, before: number, now: number = Date.now()): void {
    this.entries.delete(key);
    if (before !== generation) return;
    if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { at: now, generation: before, value });
  }

  clear(): void {
    this.entries.clear();
  }
}
