/**
 * The metric series of a service (GET /{uuid}/metrics/series).
 *
 * A series entry aggregates the usage meter's hourly rollups of every bucket and access key over
 * [start_at, end_at); its *_total fields are the state as of end_at, computed backwards from the
 * meter's exact current totals: total(end_at) = current − Σ net change of the hours at or after
 * end_at. Rollups are read from D1 for hours the meter has flushed and dropped, and from the meter
 * itself (one snapshot, taken at one instant with the totals) for the hours it still holds, so a
 * series is exact and current without waiting for a flush.
 *
 * Intervals: a whole number of hours from 1h to 24h, aligned to multiples of the interval since
 * the Unix epoch in UTC (6h → 00:00, 06:00, 12:00, 18:00; 24h → midnight UTC). The series holds
 * every interval that overlaps [from, min(to, now)): the first may begin before `from`, and the
 * last is the current, still open interval (its totals are the current state).
 */
import { and, eq, gte, lt, sql } from "drizzle-orm";
import { isoSeconds } from "../../lib/time";
import { s3UsageHourly } from "../../schema/s3.tables";
import { db } from "../../storage/db";
import { Problems } from "../errors";
import { type HourlyRow, usageMeter } from "../s3/usage";

export const HOUR_MS = 3_600_000;

// ---------------------------------------------------------------- query values

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * An RFC 3339 timestamp in ms since the epoch, or null. A "+" offset that arrived unescaped in a
 * query string reads as a space; it is taken as the "+" it was.
 */
export function parseRfc3339(text: string): number | null {
  const m = RFC3339.exec(text.replace(/ (\d{2}:\d{2})$/, "+$1"));
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return null;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0);
  if (date.getUTCDate() !== d) return null; // 2023-02-30
  const zone = m[8]!;
  if (zone === "Z" || zone === "z") return date.getTime();
  const oh = Number(zone.slice(1, 3));
  const om = Number(zone.slice(4, 6));
  if (oh > 23 || om > 59) return null;
  return date.getTime() - (zone[0] === "+" ? 1 : -1) * (oh * 60 + om) * 60_000;
}

/** `1h` … `24h`: the interval in hours, or null. */
export function parseInterval(text: string): number | null {
  const m = /^([1-9]\d?)h$/.exec(text);
  const n = m ? Number(m[1]) : NaN;
  return n >= 1 && n <= 24 ? n : null;
}

export const SERIES_SORTS = ["start_at", "-start_at"] as const;

export interface SeriesQuery {
  /** ms since the epoch; undefined = 24 hours ago. */
  from?: number | undefined;
  /** ms since the epoch; undefined = now. */
  to?: number | undefined;
  intervalHours: number;
  sort: (typeof SERIES_SORTS)[number];
  limit: number;
  offset: number;
}

// ---------------------------------------------------------------- the series

export interface SeriesEntry {
  start_at: string;
  end_at: string;
  bytes_created: number;
  bytes_deleted: number;
  bytes_received: number;
  bytes_transmitted: number;
  bytes_total: number;
  objects_created: number;
  objects_deleted: number;
  objects_total: number;
}

/** Start times (ms) of the page's intervals, in the order asked for. */
export function pageStarts(q: SeriesQuery, now: number): number[] {
  const to = q.to ?? now;
  const from = q.from ?? now - 24 * HOUR_MS;
  const p = new Problems();
  if (from >= to) {
    // Name what the client sent; both when it sent both.
    if (q.from !== undefined) p.add("from", q.to === undefined ? "must be earlier than to (default: now)" : "must be earlier than to");
    if (q.to !== undefined)
      p.add("to", q.from === undefined ? "must be later than from (default: 24 hours ago)" : "must be later than from");
  }
  p.throwIfAny();
  const end = Math.min(to, now);
  if (from >= end || q.limit === 0) return [];
  const k = q.intervalHours * HOUR_MS;
  const first = Math.floor(from / k) * k;
  const last = Math.floor((end - 1) / k) * k;
  const n = (last - first) / k + 1;
  const out: number[] = [];
  for (let j = q.offset; j < Math.min(n, q.offset + q.limit); j++) out.push(q.sort === "start_at" ? first + j * k : last - j * k);
  return out;
}

export interface Counters {
  objectsCreated: number;
  bytesCreated: number;
  objectsDeleted: number;
  bytesDeleted: number;
  bytesReceived: number;
  bytesSent: number;
}

const zero = (): Counters => ({ objectsCreated: 0, bytesCreated: 0, objectsDeleted: 0, bytesDeleted: 0, bytesReceived: 0, bytesSent: 0 });

function add(into: Counters, c: Counters): void {
  into.objectsCreated += c.objectsCreated;
  into.bytesCreated += c.bytesCreated;
  into.objectsDeleted += c.objectsDeleted;
  into.bytesDeleted += c.bytesDeleted;
  into.bytesReceived += c.bytesReceived;
  into.bytesSent += c.bytesSent;
}

export interface UsageWindow {
  /** Counters per hour (ms) inside the window. */
  hours: Map<number, Counters>;
  /** Net change (created − deleted) of every hour at or after the window's end. */
  after: { objects: number; bytes: number };
  current: { objects: number; bytes: number };
}

/** Builds the entries for `starts` (pure). */
export function buildEntries(starts: number[], intervalHours: number, w: UsageWindow): SeriesEntry[] {
  const k = intervalHours * HOUR_MS;
  const netAfter = (t: number) => {
    let objects = w.after.objects;
    let bytes = w.after.bytes;
    for (const [h, c] of w.hours) {
      if (h < t) continue;
      objects += c.objectsCreated - c.objectsDeleted;
      bytes += c.bytesCreated - c.bytesDeleted;
    }
    return { objects, bytes };
  };
  return starts.map((s) => {
    const sum = zero();
    for (let h = s; h < s + k; h += HOUR_MS) {
      const c = w.hours.get(h);
      if (c) add(sum, c);
    }
    const later = netAfter(s + k);
    return {
      start_at: isoSeconds(new Date(s)),
      end_at: isoSeconds(new Date(s + k)),
      bytes_created: sum.bytesCreated,
      bytes_deleted: sum.bytesDeleted,
      bytes_received: sum.bytesReceived,
      bytes_transmitted: sum.bytesSent,
      bytes_total: Math.max(0, w.current.bytes - later.bytes),
      objects_created: sum.objectsCreated,
      objects_deleted: sum.objectsDeleted,
      objects_total: Math.max(0, w.current.objects - later.objects),
    };
  });
}

const counterColumns = {
  objectsCreated: sql<number>`coalesce(sum(${s3UsageHourly.objectsCreated}), 0)`,
  bytesCreated: sql<number>`coalesce(sum(${s3UsageHourly.bytesCreated}), 0)`,
  objectsDeleted: sql<number>`coalesce(sum(${s3UsageHourly.objectsDeleted}), 0)`,
  bytesDeleted: sql<number>`coalesce(sum(${s3UsageHourly.bytesDeleted}), 0)`,
  bytesReceived: sql<number>`coalesce(sum(${s3UsageHourly.bytesReceived}), 0)`,
  bytesSent: sql<number>`coalesce(sum(${s3UsageHourly.bytesSent}), 0)`,
};

const iso = (ms: number) => isoSeconds(new Date(ms));

/**
 * Reads the rollups of [start, end) per hour and the net change from `end` on: D1 for hours older
 * than everything the meter still holds, D1 and the meter (the meter's values win: they are the
 * newer absolute values of the same counters) for the rest.
 */
export async function loadWindow(env: Env, serviceUuid: string, start: number, end: number): Promise<UsageWindow> {
  const snap = await usageMeter(env, serviceUuid).snapshot();
  const current = snap.totals.reduce((a, t) => ({ objects: a.objects + t.objects, bytes: a.bytes + t.bytes }), { objects: 0, bytes: 0 });
  const cutoff = snap.hourly.reduce((m, h) => Math.min(m, Date.parse(h.hour)), Infinity);
  const d = db(env);
  const svc = eq(s3UsageHourly.serviceUuid, serviceUuid);
  const oldEnd = Math.min(end, cutoff);
  const [perHour, afterOld, recent] = await Promise.all([
    start < oldEnd
      ? d
          .select({ hour: s3UsageHourly.hour, ...counterColumns })
          .from(s3UsageHourly)
          .where(and(svc, gte(s3UsageHourly.hour, iso(start)), lt(s3UsageHourly.hour, iso(oldEnd))))
          .groupBy(s3UsageHourly.hour)
          .all()
      : [],
    end < cutoff
      ? d
          .select({ ...counterColumns })
          .from(s3UsageHourly)
          .where(and(svc, gte(s3UsageHourly.hour, iso(end)), ...(cutoff === Infinity ? [] : [lt(s3UsageHourly.hour, iso(cutoff))])))
          .get()
      : undefined,
    cutoff === Infinity
      ? []
      : d
          .select()
          .from(s3UsageHourly)
          .where(and(svc, gte(s3UsageHourly.hour, iso(cutoff))))
          .all(),
  ]);
  const hours = new Map<number, Counters>();
  const bump = (hour: number, c: Counters) => {
    let h = hours.get(hour);
    if (!h) hours.set(hour, (h = zero()));
    add(h, c);
  };
  for (const r of perHour) bump(Date.parse(r.hour), numbers(r));
  const after = { objects: 0, bytes: 0 };
  if (afterOld) {
    const c = numbers(afterOld);
    after.objects += c.objectsCreated - c.objectsDeleted;
    after.bytes += c.bytesCreated - c.bytesDeleted;
  }
  const merged = new Map<string, HourlyRow | (typeof recent)[number]>();
  const keyOf = (r: { bucket: string; hour: string; accessKeyId: string }) => `${r.bucket}\u0000${r.hour}\u0000${r.accessKeyId}`;
  for (const r of recent) merged.set(keyOf(r), r);
  for (const r of snap.hourly) merged.set(keyOf(r), r);
  for (const r of merged.values()) {
    const h = Date.parse(r.hour);
    const c = numbers(r);
    if (h >= end) {
      after.objects += c.objectsCreated - c.objectsDeleted;
      after.bytes += c.bytesCreated - c.bytesDeleted;
    } else if (h >= start) bump(h, c);
  }
  return { hours, after, current };
}

function numbers(r: Counters): Counters {
  return {
    objectsCreated: Number(r.objectsCreated),
    bytesCreated: Number(r.bytesCreated),
    objectsDeleted: Number(r.objectsDeleted),
    bytesDeleted: Number(r.bytesDeleted),
    bytesReceived: Number(r.bytesReceived),
    bytesSent: Number(r.bytesSent),
  };
}

/** GET /{uuid}/metrics/series after tenancy is checked. */
export async function metricSeries(env: Env, serviceUuid: string, q: SeriesQuery, now = Date.now()): Promise<SeriesEntry[]> {
  const starts = pageStarts(q, now);
  if (!starts.length) return [];
  const k = q.intervalHours * HOUR_MS;
  const start = Math.min(...starts);
  const end = Math.max(...starts) + k;
  return buildEntries(starts, q.intervalHours, await loadWindow(env, serviceUuid, start, end));
}
