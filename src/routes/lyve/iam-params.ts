/**
 * Reading IAM's parameters (booleans, MaxItems/Marker paging, names) and writing its common values
 * (dates), as AWS IAM does.
 */
import type { XmlNode } from "../../lib/xml";
import type { QueryParams } from "../aws-query";
import { iamError } from "./iam-errors";

/** AWS's validation message for one bad parameter. */
const validation = (name: string, value: string, constraint: string) =>
  iamError("ValidationError", `1 validation error detected: Value '${value}' at '${name}' failed to satisfy constraint: ${constraint}`);

export function bool(params: QueryParams, name: string): boolean | undefined {
  const v = params.get(name);
  if (v === undefined) return undefined;
  if (/^true$/i.test(v)) return true;
  if (/^false$/i.test(v)) return false;
  throw validation(name, v, "Member must be true or false");
}

/** A required string of 1..max characters. */
export function text(params: QueryParams, name: string, max: number): string {
  const v = params.require(name);
  if (v.length < 1 || v.length > max) throw validation(name, v, `Member must have length between 1 and ${max}`);
  return v;
}

/** An optional string of 1..max characters (an empty value is absent). */
export function optionalText(params: QueryParams, name: string, max: number): string | undefined {
  const v = params.get(name);
  if (v === undefined || v === "") return undefined;
  if (v.length > max) throw validation(name, v, `Member must have length less than or equal to ${max}`);
  return v;
}

/** IAM writes times as ISO 8601 in UTC without fraction: 2019-03-25T09:16:31Z. */
export const iamDate = (iso: string) => iso.replace(/\.\d+Z$/, "Z");

const encodeMarker = (key: string) => btoa(String.fromCharCode(...new TextEncoder().encode(key)));

function decodeMarker(marker: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(atob(marker), (c) => c.charCodeAt(0)));
  } catch {
    throw validation("marker", marker, "Member must be a marker this API returned");
  }
}

export interface Page<T> {
  items: T[];
  /** `IsTruncated` and, when true, the `Marker` to send for the next page. */
  fields: { IsTruncated: boolean; Marker?: string };
}

/**
 * One page of `items` (sorted by `key`, unique): those after the `Marker`'s key, at most
 * `MaxItems` (1..1000, default 100). The marker is the last returned key, so an item deleted
 * between pages never shifts the next one.
 */
export function page<T>(params: QueryParams, items: T[], key: (t: T) => string): Page<T> {
  const raw = params.get("MaxItems");
  let max = 100;
  if (raw !== undefined) {
    if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > 1000) {
      throw validation("maxItems", raw, "Member must have value between 1 and 1000");
    }
    max = Number(raw);
  }
  const marker = params.get("Marker");
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const after = marker === undefined || marker === "" ? null : decodeMarker(marker);
  const rest = after === null ? sorted : sorted.filter((t) => key(t) > after);
  const out = rest.slice(0, max);
  if (rest.length <= max) return { items: out, fields: { IsTruncated: false } };
  return { items: out, fields: { IsTruncated: true, Marker: encodeMarker(key(out[out.length - 1]!)) } };
}

/** `{ member: [...] }`, the Query protocol's list. */
export const members = (list: XmlNode[]): XmlNode => ({ member: list });
