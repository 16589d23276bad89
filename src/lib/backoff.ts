/** Exponential backoff: `base`, then `base·factor`, `base·factor²` … for attempts 1, 2, 3 …, at most `cap`. */
export const backoff = (attempt: number, base: number, factor: number, cap = Infinity): number =>
  Math.min(cap, base * factor ** Math.max(0, attempt - 1));

/** Delay before a queue message (or a retried job step) is delivered again: 10 s, 20 s, 40 s … capped at 10 minutes. */
export const retryDelaySeconds = (attempts: number): number => backoff(attempts, 10, 2, 600);
