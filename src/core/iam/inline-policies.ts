// Inline policies: documents embedded in one user, group or role.

import { and, asc, count, eq, sql } from "drizzle-orm";
import { isoSeconds } from "../../lib/time";
import { iamInlinePolicies } from "../../schema/iam.tables";
import { limitExceeded, notFound } from "../errors";
import { checkName, LIMITS, parseDocument } from "./rules";
import { PRINCIPAL_LABEL, param, type Principal, principalTable, requirePrincipal, scope, write } from "./store";

export interface InlinePolicyRecord {
  name: string;
  /** As written (decoded). */
  document: string;
}

const of = (svc: string, p: Principal) =>
  and(eq(iamInlinePolicies.serviceUuid, svc), eq(iamInlinePolicies.principalType, p.type), eq(iamInlinePolicies.principalName, p.name));

const view = (r: { name: string; document: string }): InlinePolicyRecord => ({ name: r.name, document: r.document });

export async function listInlinePolicies(env: Env, accountId: string, serviceUuid: string, p: Principal): Promise<InlinePolicyRecord[]> {
  const { d, svc } = await scope(env, accountId, serviceUuid);
  await requirePrincipal(d, svc, p);
  const rows = await d
    .select({ name: iamInlinePolicies.name, document: iamInlinePolicies.document })
    .from(iamInlinePolicies)
    .where(of(svc, p))
    .orderBy(asc(iamInlinePolicies.name))
    .all();
  return rows.map(view);
}

export async function getInlinePolicy(
  env: Env,
  accountId: string,
  serviceUuid: string,
  p: Principal,
  name: string,
): Promise<InlinePolicyRecord> {
  const { d, svc } = await scope(env, accountId, serviceUuid);
  const row = await d
    .select({ name: iamInlinePolicies.name, document: iamInlinePolicies.document })
    .from(iamInlinePolicies)
    .where(and(of(svc, p), eq(iamInlinePolicies.name, name)))
    .get();
  if (row) return view(row);
  await requirePrincipal(d, svc, p);
  throw notFound("Inline policy");
}

export async function createInlinePolicy(
  env: Env,
  accountId: string,
  serviceUuid: string,
  p: Principal,
  input: { name: string; document: string },
): Promise<InlinePolicyRecord> {
  checkName("name", input.name, "inline");
  const doc = parseDocument("document", input.document, "identity");
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  const t = principalTable(p.type);
  const held = d.select({ n: count() }).from(iamInlinePolicies).where(of(svc, p));
  const inserted = await write(
    () =>
      d
        .insert(iamInlinePolicies)
        .select(
          d
            .select({
              serviceUuid: t.serviceUuid,
              principalType: param(p.type, "principal_type"),
              principalName: t.name,
              name: param(input.name, "name"),
              document: param(doc.text, "document"),
              normalized: param(doc.normalized, "normalized"),
              createdAt: param(isoSeconds(), "created_at"),
            })
            .from(t)
            .where(and(eq(t.serviceUuid, svc), eq(t.name, p.name), sql`(${held}) < ${LIMITS.inlinePerPrincipal}`)),
        )
        .returning({ name: iamInlinePolicies.name }),
    `${PRINCIPAL_LABEL[p.type]} "${p.name}" already has an inline policy named "${input.name}".`,
  );
  if (!inserted.length) {
    await requirePrincipal(d, svc, p);
    throw limitExceeded(
      `${PRINCIPAL_LABEL[p.type]} "${p.name}" already has ${LIMITS.inlinePerPrincipal} inline policies, the maximum.`,
      LIMITS.inlinePerPrincipal,
    );
  }
  return { name: input.name, document: doc.text };
}

export async function deleteInlinePolicy(env: Env, accountId: string, serviceUuid: string, p: Principal, name: string): Promise<void> {
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  const gone = await d
    .delete(iamInlinePolicies)
    .where(and(of(svc, p), eq(iamInlinePolicies.name, name)))
    .returning({ name: iamInlinePolicies.name });
  if (gone.length) return;
  await requirePrincipal(d, svc, p);
  throw notFound("Inline policy");
}
