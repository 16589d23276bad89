/**
 * IAM users: CreateUser (Lyve: the user name is the user's email), GetUser (the caller when no
 * UserName), ListUsers (paged), DeleteUser (never oneself; keys and policies must go first).
 */
import { getSystemPolicy } from "../../core/policy";
import { createUser, deleteUser, getUser, listUsers } from "../../core/iam/users";
import type { UserRecord } from "../../core/iam/views";
import type { XmlNode } from "../../lib/xml";
import type { ActionContext, ActionDef } from "../aws-query";
import { lyveArn, PATH, policyArnOf } from "./iam-arns";
import { authorize } from "./iam-auth";
import { on, onUser, userArn, userName, userOrSelf, xmlAction } from "./iam-common";
import { iamError, invalidInput } from "./iam-errors";
import { iamDate, members, page } from "./iam-params";

/** Lyve's users sign in with their email, which is their user name. */
const EMAIL = /^[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+$/;

export function userXml(u: UserRecord, detail = false): XmlNode {
  const node: XmlNode = {
    Path: PATH,
    UserName: u.name,
    UserId: u.id,
    Arn: lyveArn(u.serviceUuid, "user", u.name),
    CreateDate: iamDate(u.createdAt),
  };
  if (detail && u.permissionsBoundary !== null) {
    const system = getSystemPolicy(u.permissionsBoundary) !== undefined;
    node.PermissionsBoundary = {
      PermissionsBoundaryType: "PermissionsBoundaryPolicy",
      PermissionsBoundaryArn: policyArnOf({ serviceUuid: u.serviceUuid, name: u.permissionsBoundary, system }),
    };
  }
  if (detail && u.tags.length) node.Tags = members(u.tags.map((t) => ({ Key: t.key, Value: t.value ?? "" })));
  return node;
}

/** Only the path "/" exists; a request naming another is refused rather than silently ignored. */
export function checkPath(c: ActionContext, name = "Path"): void {
  const p = c.params.get(name);
  if (p !== undefined && p !== PATH) throw invalidInput(`Only the path "/" is supported; ${name} "${p}" is not.`);
}

/** Whether entities at path "/" fall under `PathPrefix`. */
export function underPrefix(c: ActionContext): boolean {
  const p = c.params.get("PathPrefix");
  return p === undefined || p === "" || PATH.startsWith(p);
}

const CreateUser = xmlAction(async (c) => {
  const name = userName(c);
  if (!EMAIL.test(name)) throw invalidInput(`The user name must be the user's email address; "${name}" is not one.`);
  checkPath(c);
  await onUser(c, "CreateUser", name);
  return { User: userXml(await createUser(...on(c), name)) };
}, true);

const GetUser = xmlAction(async (c) => {
  const name = userOrSelf(c);
  await onUser(c, "GetUser", name);
  return { User: userXml(await getUser(...on(c), name), true) };
});

const ListUsers = xmlAction(async (c) => {
  await authorize(c, "ListUsers", { arn: userArn(c, "") });
  const users = underPrefix(c) ? await listUsers(...on(c)) : [];
  const p = page(c.params, users, (u) => u.name);
  return { Users: members(p.items.map((u) => userXml(u))), ...p.fields };
});

const DeleteUser = xmlAction(async (c) => {
  const name = userName(c);
  await onUser(c, "DeleteUser", name);
  if (name === c.caller.username) throw iamError("DeleteConflict", "A user cannot delete itself.");
  await deleteUser(...on(c), name);
  return null;
}, true);

export const USER_ACTIONS = { CreateUser, GetUser, ListUsers, DeleteUser } satisfies Record<string, ActionDef>;
