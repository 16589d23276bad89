/** Timestamps as SigV4 and SigV2 carry them. */

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Parses `YYYYMMDD'T'HHMMSS'Z'` (ISO 8601 basic, UTC). Null if malformed or not a real instant. */
export function parseAmzDate(value: string): Date | null {
  const m = AMZ_DATE.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 20130231 over into March (and 24:00 into the next day); a real timestamp keeps its fields.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  if (date.getUTCHours() !== hour || date.getUTCMinutes() !== minute || date.getUTCSeconds() !== second) return null;
  return date;
}

export function formatAmzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

/**
 * A `Date` / `x-amz-date` header value: RFC 1123 (and the other forms `Date.parse` knows, as HTTP
 * allows) or the ISO 8601 basic form.
 */
export function parseHttpDate(value: string): Date | null {
  const amz = parseAmzDate(value.trim());
  if (amz) return amz;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** AWS allows 15 minutes between the request's timestamp and the server clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** Longest presigned validity AWS allows (7 days). */
export const MAX_PRESIGNED_EXPIRES_SECONDS = 604800;
