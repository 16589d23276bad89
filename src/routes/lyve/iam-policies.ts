/**
 * Managed policies and their versions (Create/Get/Delete/ListPolicies, Create/Get/Delete/
 * ListPolicyVersions, SetDefaultPolicyVersion) and their attachment to users
 * (Attach/Detach/ListAttachedUserPolicies, ListEntitiesForPolicy). Policies are named by ARN.
 */
import { attachPolicy, detachPolicy, listAttachedPolicies, listPolicyEntities } from "../../core/iam/attachments";
import { createPolicy, deletePolicy, getPolicy, listPolicies, setDefaultVersion, type PolicyRecord } from "../../core/iam/policies";
import {
  createPolicyVersion,
  deletePolicyVersion,
  getPolicyVersion,
  listPolicyVersions,
  type PolicyVersionRecord,
} from "../../core/iam/policy-versions";
import { encodeDocument, NAME_MAX, versionId } from "../../core/iam/rules";
import { getSystemPolicy } from "../../core/policy";
import type { XmlNode } from "../../lib/xml";
import type { ActionContext, ActionDef } from "../aws-query";
import { derivedId, lyveArn, PATH, policyArnOf, policyNameOf } from "./iam-arns";
import { authorize } from "./iam-auth";
import { on, onUser, userName, xmlAction } from "./iam-common";
import { iamError } from "./iam-errors";
import { bool, iamDate, members, optionalText, page, text } from "./iam-params";
import { checkPath, underPrefix } from "./iam-users";

const isSystem = (name: string) => getSystemPolicy(name) !== undefined;

/** The policy `PolicyArn` names, and that ARN (for authorization). */
function policyOf(c: ActionContext): { name: string; arn: string } {
  const arn = text(c.params, "PolicyArn", 2048);
  return { name: policyNameOf(c.caller.service.uuid, arn, isSystem), arn };
}

export const policyId = (p: { serviceUuid: string; name: string; system: boolean }) =>
  derivedId("ANPA", p.system ? "aws" : p.serviceUuid, p.name);

function policyXml(p: PolicyRecord, withDescription: boolean): XmlNode {
  return {
    PolicyName: p.name,
    PolicyId: policyId(p),
    Arn: policyArnOf(p),
    Path: PATH,
    DefaultVersionId: versionId(p.defaultVersion),
    AttachmentCount: p.attachmentCount,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    Description: withDescription && p.description !== "" ? p.description : undefined,
    CreateDate: iamDate(p.createdAt),
    UpdateDate: iamDate(p.updatedAt),
  };
}

function versionXml(v: PolicyVersionRecord, withDocument: boolean): XmlNode {
  return {
    Document: withDocument ? encodeDocument(v.document) : undefined,
    VersionId: versionId(v.version),
    IsDefaultVersion: v.isDefault,
    CreateDate: iamDate(v.createdAt),
  };
}

const CreatePolicy = xmlAction(async (c) => {
  const name = text(c.params, "PolicyName", NAME_MAX.policy);
  const document = text(c.params, "PolicyDocument", 131072);
  const description = optionalText(c.params, "Description", 1000);
  checkPath(c);
  await authorize(c, "CreatePolicy", { arn: lyveArn(c.caller.service.uuid, "policy", name) });
  return { Policy: policyXml(await createPolicy(...on(c), { name, document, description }), false) };
});

const GetPolicy = xmlAction(async (c) => {
  const p = policyOf(c);
  await authorize(c, "GetPolicy", p);
  return { Policy: policyXml(await getPolicy(...on(c), p.name), true) };
});

const DeletePolicy = xmlAction(async (c) => {
  const p = policyOf(c);
  await authorize(c, "DeletePolicy", p);
  // AWS and Lyve: detached first (the core refuses that), then every version but the default deleted.
  const multi = !isSystem(p.name) && (await listPolicyVersions(...on(c), p.name)).length > 1;
  if (multi && (await getPolicy(...on(c), p.name)).attachmentCount === 0) {
    throw iamError(
      "DeleteConflict",
      "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
    );
  }
  await deletePolicy(...on(c), p.name);
  return null;
}, true);

const ListPolicies = xmlAction(async (c) => {
  const scope = c.params.get("Scope") ?? "All";
  if (scope !== "All" && scope !== "AWS" && scope !== "Local") {
    throw iamError(
      "ValidationError",
      `1 validation error detected: Value '${scope}' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]`,
    );
  }
  const onlyAttached = bool(c.params, "OnlyAttached") ?? false;
  await authorize(c, "ListPolicies", { arn: lyveArn(c.caller.service.uuid, "policy", "") });
  const all = underPrefix(c) ? await listPolicies(...on(c)) : [];
  const chosen = all.filter((p) => (scope === "All" || (scope === "AWS") === p.system) && (!onlyAttached || p.attachmentCount > 0));
  const pg = page(c.params, chosen, (p) => `${p.system ? 0 : 1}${p.name}`);
  return { Policies: members(pg.items.map((p) => policyXml(p, false))), ...pg.fields };
});

const CreatePolicyVersion = xmlAction(async (c) => {
  const p = policyOf(c);
  const document = text(c.params, "PolicyDocument", 131072);
  const isDefault = bool(c.params, "SetAsDefault") ?? false;
  await authorize(c, "CreatePolicyVersion", p);
  return { PolicyVersion: versionXml(await createPolicyVersion(...on(c), p.name, { document, is_default: isDefault }), false) };
}, true);

const versionOf = (c: ActionContext) => text(c.params, "VersionId", 128);

const GetPolicyVersion = xmlAction(async (c) => {
  const p = policyOf(c);
  const id = versionOf(c);
  await authorize(c, "GetPolicyVersion", p);
  return { PolicyVersion: versionXml(await getPolicyVersion(...on(c), p.name, id), true) };
});

const DeletePolicyVersion = xmlAction(async (c) => {
  const p = policyOf(c);
  const id = versionOf(c);
  await authorize(c, "DeletePolicyVersion", p);
  await deletePolicyVersion(...on(c), p.name, id);
  return null;
});

const ListPolicyVersions = xmlAction(async (c) => {
  const p = policyOf(c);
  await authorize(c, "ListPolicyVersions", p);
  const versions = await listPolicyVersions(...on(c), p.name);
  const pg = page(c.params, versions, (v) => String(v.version).padStart(10, "0"));
  return { Versions: members(pg.items.map((v) => versionXml(v, false))), ...pg.fields };
});

const SetDefaultPolicyVersion = xmlAction(async (c) => {
  const p = policyOf(c);
  const id = versionOf(c);
  await authorize(c, "SetDefaultPolicyVersion", p);
  if (!/^v[1-9]\d{0,8}$/.test(id)) throw iamError("NoSuchEntity", `Policy ${p.arn} version ${id} does not exist.`);
  await setDefaultVersion(...on(c), p.name, id);
  return null;
}, true);

const AttachUserPolicy = xmlAction(async (c) => {
  const user = userName(c);
  const p = policyOf(c);
  await onUser(c, "AttachUserPolicy", user);
  await attachPolicy(...on(c), { type: "user", name: user }, p.name);
  return null;
}, true);

const DetachUserPolicy = xmlAction(async (c) => {
  const user = userName(c);
  const p = policyOf(c);
  await onUser(c, "DetachUserPolicy", user);
  await detachPolicy(...on(c), { type: "user", name: user }, p.name);
  return null;
}, true);

const ListAttachedUserPolicies = xmlAction(async (c) => {
  const user = userName(c);
  await onUser(c, "ListAttachedUserPolicies", user);
  const refs = underPrefix(c) ? await listAttachedPolicies(...on(c), { type: "user", name: user }) : [];
  const pg = page(c.params, refs, (r) => r.name);
  return { AttachedPolicies: members(pg.items.map((r) => ({ PolicyName: r.name, PolicyArn: policyArnOf(r) }))), ...pg.fields };
});

const ENTITY_FILTERS = ["User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"] as const;

const ListEntitiesForPolicy = xmlAction(async (c) => {
  const p = policyOf(c);
  const filter = c.params.get("EntityFilter");
  if (filter !== undefined && !(ENTITY_FILTERS as readonly string[]).includes(filter)) {
    throw iamError(
      "ValidationError",
      `1 validation error detected: Value '${filter}' at 'entityFilter' failed to satisfy constraint: Member must satisfy enum value set: [${ENTITY_FILTERS.join(", ")}]`,
    );
  }
  await authorize(c, "ListEntitiesForPolicy", p);
  const e = await listPolicyEntities(...on(c), p.name);
  const want = (kind: "User" | "Group" | "Role") => underPrefix(c) && (filter === undefined || filter === kind);
  type Entity = { kind: "User" | "Group" | "Role"; name: string; id: string };
  const svc = c.caller.service.uuid;
  const all: Entity[] = [
    ...(want("Group") ? e.groups.map((g) => ({ kind: "Group" as const, name: g.name, id: derivedId("AGPA", svc, g.name) })) : []),
    ...(want("Role") ? e.roles.map((r) => ({ kind: "Role" as const, name: r.name, id: r.id })) : []),
    ...(want("User") ? e.users.map((u) => ({ kind: "User" as const, name: u.name, id: u.id })) : []),
  ];
  const pg = page(c.params, all, (x) => `${x.kind}\u0000${x.name}`);
  const of = (kind: Entity["kind"]) =>
    members(pg.items.filter((x) => x.kind === kind).map((x) => ({ [`${kind}Name`]: x.name, [`${kind}Id`]: x.id })));
  return { PolicyGroups: of("Group"), PolicyUsers: of("User"), PolicyRoles: of("Role"), ...pg.fields };
});

export const POLICY_ACTIONS = {
  CreatePolicy,
  GetPolicy,
  DeletePolicy,
  ListPolicies,
  CreatePolicyVersion,
  GetPolicyVersion,
  DeletePolicyVersion,
  ListPolicyVersions,
  SetDefaultPolicyVersion,
  AttachUserPolicy,
  DetachUserPolicy,
  ListAttachedUserPolicies,
  ListEntitiesForPolicy,
} satisfies Record<string, ActionDef>;
