/**
 * Lyve's IAM API (credential scope `iam`, Version 2010-05-08) on the AWS Query layer. No action is
 * built yet (issue 17 adds the Lyve list and the AWS actions the core supports): every request is
 * authenticated and then answers `InvalidAction` in IAM's ErrorResponse.
 */
import type { QueryService } from "../aws-query";

export type IamAction = never;

export const LYVE_IAM: QueryService<IamAction> = {
  scope: "iam",
  version: "2010-05-08",
  namespace: "https://iam.amazonaws.com/doc/2010-05-08/",
  actions: {},
};
