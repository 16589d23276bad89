/**
 * Lyve's STS API (credential scope `sts`, Version 2011-06-15) on the AWS Query layer. Built so far:
 * GetCallerIdentity, which needs no permission (as in AWS).
 */
import type { ActionDef, QueryService } from "../aws-query";
import { lyveAccount, lyveUserArn } from "./ids";

export type StsAction = "GetCallerIdentity";

const GetCallerIdentity: ActionDef = {
  answer: "xml",
  run: async ({ caller }) => ({
    Arn: lyveUserArn(caller.service.uuid, caller.username),
    UserId: caller.userId,
    Account: lyveAccount(caller.service.uuid),
  }),
};

export const LYVE_STS: QueryService<StsAction> = {
  scope: "sts",
  version: "2011-06-15",
  namespace: "https://sts.amazonaws.com/doc/2011-06-15/",
  actions: { GetCallerIdentity },
};
