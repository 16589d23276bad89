/**
 * What every Lyve IAM action shares: the action definition (core errors answered in IAM's codes),
 * the core's call arguments for the caller's service, and the user a request names.
 */
import { NAME_MAX } from "../../core/iam/rules";
import type { XmlNode } from "../../lib/xml";
import type { ActionContext, ActionDef } from "../aws-query";
import { lyveArn } from "./iam-arns";
import { authorize } from "./iam-auth";
import { asIamError } from "./iam-errors";
import { text } from "./iam-params";

/** An XML-answering IAM action; `mutates` when it changes what the data plane caches. */
export function xmlAction(run: (c: ActionContext) => Promise<XmlNode | null>, mutates = false): ActionDef {
  return {
    answer: "xml",
    mutates,
    run: async (c) => {
      try {
        return await run(c);
      } catch (e) {
        throw asIamError(e);
      }
    },
  };
}

/** `[env, accountId, serviceUuid]`: how the core is called for the caller's service. */
export const on = (c: ActionContext) => [c.env, c.caller.accountId, c.caller.service.uuid] as const;

export const userArn = (c: ActionContext, name: string) => lyveArn(c.caller.service.uuid, "user", name);

/** `UserName`, required. */
export const userName = (c: ActionContext) => text(c.params, "UserName", NAME_MAX.user);

/** `UserName`, or the caller when absent (AWS's rule for keys, passwords and GetUser). */
export function userOrSelf(c: ActionContext): string {
  const v = c.params.get("UserName");
  return v === undefined || v === "" ? c.caller.username : text(c.params, "UserName", NAME_MAX.user);
}

/** Authorizes `action` on user `name`. */
export const onUser = (c: ActionContext, action: string, name: string) => authorize(c, action, { arn: userArn(c, name), user: name });
