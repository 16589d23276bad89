// Tags of users and roles.

import { and, asc, eq, sql, type SQL } from "drizzle-orm";
import { iamTags } from "../../schema/iam.tables";
import type { Db } from "../../storage/db";
import { notFound } from "../errors";
import { checkTags, type Tag } from "./rules";
import { type Principal, principalExists, requirePrincipal, scope } from "./store";
import { tagView } from "./views";

export type Taggable = Principal & { type: "user" | "role" };

const of = (svc: string, p: Taggable) =>
  and(eq(iamTags.serviceUuid, svc), eq(iamTags.principalType, p.type), eq(iamTags.principalName, p.name));

/**
 * One INSERT … SELECT over the JSON array of tags, written only while `guard` holds (the principal
 * exists), so tags never outlive or precede their owner even under concurrent requests.
 */
export function insertTags(d: Db, svc: string, p: Taggable, tags: Tag[], guard: SQL) {
  const json = JSON.stringify(tags.map((t) => ({ key: t.key, value: t.value ?? null })));
  return d
    .insert(iamTags)
    .select(
      sql`select ${svc}, ${p.type}, ${p.name}, json_extract(j.value, '$.key'), json_extract(j.value, '$.value'), j.key from json_each(${json}) j where ${guard}`,
    );
}

const normalize = (tags: Tag[]): Tag[] => tags.map((t) => (t.value === undefined ? { key: t.key } : { key: t.key, value: t.value }));

export async function getTags(env: Env, accountId: string, serviceUuid: string, p: Taggable): Promise<Tag[]> {
  const { d, svc } = await scope(env, accountId, serviceUuid);
  await requirePrincipal(d, svc, p);
  const rows = await d
    .select({ key: iamTags.key, value: iamTags.value })
    .from(iamTags)
    .where(of(svc, p))
    .orderBy(asc(iamTags.position))
    .all();
  return rows.map(tagView);
}

/** Replaces the whole tag set (the request body is the new array). */
export async function replaceTags(env: Env, accountId: string, serviceUuid: string, p: Taggable, tags: Tag[]): Promise<Tag[]> {
  checkTags(tags, (i, f) => `[${i}].${f}`, "body");
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  await requirePrincipal(d, svc, p);
  const del = d.delete(iamTags).where(of(svc, p));
  if (tags.length) await d.batch([del, insertTags(d, svc, p, tags, principalExists(d, svc, p))]);
  else await del;
  return normalize(tags);
}

export async function deleteTag(env: Env, accountId: string, serviceUuid: string, p: Taggable, key: string): Promise<void> {
  const { d, svc } = await scope(env, accountId, serviceUuid, true);
  const gone = await d
    .delete(iamTags)
    .where(and(of(svc, p), eq(iamTags.key, key)))
    .returning({ key: iamTags.key });
  if (gone.length) return;
  await requirePrincipal(d, svc, p);
  throw notFound("Tag");
}

export { normalize as normalizeTags };
