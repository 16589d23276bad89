/**
 * Lyve's IAM API (credential scope `iam`, Version 2010-05-08) on the AWS Query layer: the Lyve
 * list of actions and the AWS actions the core supports, each authorized by the policy engine
 * (iam-auth.ts) and answered in AWS's shapes and error codes, which the AWS SDKs parse.
 */
import type { QueryService } from "../aws-query";
import { KEY_ACTIONS } from "./iam-keys";
import { POLICY_ACTIONS } from "./iam-policies";
import { USER_ACTIONS } from "./iam-users";

const ACTIONS = { ...USER_ACTIONS, ...KEY_ACTIONS, ...POLICY_ACTIONS };

export type IamAction = keyof typeof ACTIONS;

export const LYVE_IAM: QueryService<IamAction> = {
  scope: "iam",
  version: "2010-05-08",
  namespace: "https://iam.amazonaws.com/doc/2010-05-08/",
  actions: ACTIONS,
};
