/**
 * Access keys: Create/Delete/List/UpdateAccessKey (UserName defaults to the caller) and
 * GetAccessKeyLastUsed (the key alone names its user).
 */
import { createAccessKey, deleteAccessKey, getAccessKey, listAccessKeys, setAccessKeyStatus } from "../../core/iam/access-keys";
import { findAccessKey } from "../../core/iam/principal";
import type { AccessKeyRecord } from "../../core/iam/views";
import { NEVER_USED } from "../../schema/iam.tables";
import type { XmlNode } from "../../lib/xml";
import type { ActionContext, ActionDef } from "../aws-query";
import { authorize } from "./iam-auth";
import { on, onUser, userArn, userOrSelf, xmlAction } from "./iam-common";
import { iamError } from "./iam-errors";
import { iamDate, members, page, text } from "./iam-params";

const keyXml = (user: string, k: AccessKeyRecord): XmlNode => ({
  UserName: user,
  AccessKeyId: k.accessKeyId,
  Status: k.status,
  CreateDate: iamDate(k.createdAt),
});

const keyId = (c: ActionContext) => text(c.params, "AccessKeyId", 128);

const CreateAccessKey = xmlAction(async (c) => {
  const user = userOrSelf(c);
  await onUser(c, "CreateAccessKey", user);
  const k = await createAccessKey(...on(c), user);
  return { AccessKey: { ...keyXml(user, k), SecretAccessKey: k.secretAccessKey } };
}, true);

const DeleteAccessKey = xmlAction(async (c) => {
  const id = keyId(c);
  const user = userOrSelf(c);
  await onUser(c, "DeleteAccessKey", user);
  await deleteAccessKey(...on(c), user, id);
  return null;
}, true);

const ListAccessKeys = xmlAction(async (c) => {
  const user = userOrSelf(c);
  await onUser(c, "ListAccessKeys", user);
  const keys = await listAccessKeys(...on(c), user);
  const p = page(c.params, keys, (k) => `${k.createdAt}\u0000${k.accessKeyId}`);
  return { UserName: user, AccessKeyMetadata: members(p.items.map((k) => keyXml(user, k))), ...p.fields };
});

const UpdateAccessKey = xmlAction(async (c) => {
  const id = keyId(c);
  const status = c.params.require("Status");
  if (status !== "Active" && status !== "Inactive") {
    throw iamError(
      "ValidationError",
      `1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`,
    );
  }
  const user = userOrSelf(c);
  await onUser(c, "UpdateAccessKey", user);
  await setAccessKeyStatus(...on(c), user, id, status);
  return null;
}, true);

const GetAccessKeyLastUsed = xmlAction(async (c) => {
  const id = keyId(c);
  const found = await findAccessKey(c.env, id);
  // A key of another service is as unknown as a key that never was.
  const owner = found && found.serviceUuid === c.caller.service.uuid ? found.username : null;
  await authorize(c, "GetAccessKeyLastUsed", { arn: userArn(c, owner ?? ""), user: owner ?? undefined });
  if (owner === null) throw iamError("NoSuchEntity", `The Access Key with id ${id} cannot be found.`);
  const k = await getAccessKey(...on(c), owner, id);
  const used = k.lastUsedAt !== NEVER_USED;
  return {
    UserName: owner,
    AccessKeyLastUsed: used
      ? { LastUsedDate: iamDate(k.lastUsedAt), ServiceName: "s3", Region: c.caller.service.region }
      : { ServiceName: "N/A", Region: "N/A" },
  };
});

export const KEY_ACTIONS = {
  CreateAccessKey,
  DeleteAccessKey,
  ListAccessKeys,
  UpdateAccessKey,
  GetAccessKeyLastUsed,
} satisfies Record<string, ActionDef>;
