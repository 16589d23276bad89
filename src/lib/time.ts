/** RFC 3339 with microseconds, as the vendor writes service timestamps: 2023-05-07T15:55:24.655776Z. */
export function isoMicro(d: Date = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** RFC 3339 without fraction, as the vendor writes policy timestamps: 2024-02-29T11:25:41Z. */
export function isoSeconds(d: Date = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}
