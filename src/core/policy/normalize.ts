// Serializing normalized documents back to JSON with a stable key order.

import type { PolicyDocument, Statement } from "./types";

const STATEMENT_ORDER: (keyof Statement)[] = [
  "Sid",
  "Effect",
  "Principal",
  "NotPrincipal",
  "Action",
  "NotAction",
  "Resource",
  "NotResource",
  "Condition",
];

/** Compact JSON of a normalized document: Version, Id, Managed, Statement; lists stay arrays. */
export function policyToJson(doc: PolicyDocument): string {
  const statements = doc.Statement.map((st) => {
    const out: Record<string, unknown> = {};
    for (const key of STATEMENT_ORDER) if (st[key] !== undefined) out[key] = st[key];
    return out;
  });
  return JSON.stringify({ Version: doc.Version, Id: doc.Id, Managed: doc.Managed, Statement: statements });
}
