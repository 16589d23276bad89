/**
 * The parameters of an AWS Query request: the query string and the form-encoded body merged (Lyve
 * clients send some parameters in the query), with the protocol's list and map encodings:
 * `Name.member.N` (lists, N from 1), `Name.member.N.Field` (lists of structures) and
 * `Name.entry.N.key` / `Name.entry.N.value` (maps). Names are case-sensitive, as AWS reads them.
 */
import { invalidParameter, missingParameter } from "./errors";

/** Presigned-URL authentication parameters are the signature's, never the action's. */
const AUTH_PARAM = /^X-Amz-/i;

export class QueryParams {
  private constructor(private readonly values: ReadonlyMap<string, string>) {}

  /** Query string first, then the body: a name given in both takes the body's value. */
  static of(query: URLSearchParams, form: URLSearchParams | null): QueryParams {
    const values = new Map<string, string>();
    for (const [name, value] of query) if (!AUTH_PARAM.test(name) && !values.has(name)) values.set(name, value);
    if (form) {
      const seen = new Set<string>();
      for (const [name, value] of form) {
        if (seen.has(name)) continue;
        seen.add(name);
        values.set(name, value);
      }
    }
    return new QueryParams(values);
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  /** MissingParameter when absent (an empty value is a value). */
  require(name: string): string {
    const v = this.values.get(name);
    if (v === undefined) throw missingParameter(name);
    return v;
  }

  /** `Name.member.N` in index order; an absent list is empty. */
  list(name: string): string[] {
    return this.indexed(name, "member").map(([, suffix, value]) => {
      if (suffix !== "") throw invalidParameter(name, "list members must be plain values");
      return value;
    });
  }

  /** `Name.member.N.Field` as one record per N, in index order. */
  structs(name: string): Record<string, string>[] {
    const byIndex = new Map<number, Record<string, string>>();
    for (const [index, suffix, value] of this.indexed(name, "member")) {
      if (!suffix.startsWith(".") || suffix.length < 2) throw invalidParameter(name, "list members must name a field");
      const record = byIndex.get(index) ?? {};
      record[suffix.slice(1)] = value;
      byIndex.set(index, record);
    }
    return [...byIndex.values()];
  }

  /** `Name.entry.N.key` / `Name.entry.N.value`; every entry needs both, and keys are unique. */
  map(name: string): Record<string, string> {
    const entries = new Map<number, { key?: string; value?: string }>();
    for (const [index, suffix, value] of this.indexed(name, "entry")) {
      const e = entries.get(index) ?? {};
      if (suffix === ".key") e.key = value;
      else if (suffix === ".value") e.value = value;
      else throw invalidParameter(name, "map entries have a key and a value");
      entries.set(index, e);
    }
    const out: Record<string, string> = {};
    for (const e of entries.values()) {
      if (e.key === undefined || e.value === undefined) throw invalidParameter(name, "every map entry needs a key and a value");
      if (Object.hasOwn(out, e.key)) throw invalidParameter(name, `the key "${e.key}" is given twice`);
      out[e.key] = e.value;
    }
    return out;
  }

  /** [index, rest of the name after the index, value], sorted by index (then name). */
  private indexed(base: string, kind: "member" | "entry"): [number, string, string][] {
    const prefix = `${base}.${kind}.`;
    const out: [number, string, string][] = [];
    for (const [name, value] of this.values) {
      if (!name.startsWith(prefix)) continue;
      const m = /^([1-9]\d{0,5})(.*)$/.exec(name.slice(prefix.length));
      if (!m) throw invalidParameter(base, `"${name}" has no ${kind} index (1, 2, ...)`);
      out.push([Number(m[1]), m[2]!, value]);
    }
    return out.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  }
}
