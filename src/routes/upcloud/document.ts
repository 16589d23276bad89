import type { DialectDocument } from "../document-types";
import { BASE } from "./common";
import { upcloudRouter } from "./router";

/** The UpCloud dialect's OpenAPI document: `/openapi/upcloud.json`. */
export const upcloudDocument: DialectDocument = {
  id: "upcloud",
  prefix: "",
  mount: BASE,
  info: {
    title: "Stowage: UpCloud-style Managed Object Storage API",
    version: "0.1.0",
    description:
      "The UpCloud Managed Object Storage control plane (API 1.3) under /1.3/object-storage-2: services, networks, labels, IAM users, access keys, policies, groups and roles, custom domains, static websites, buckets, metrics and migration jobs. Errors are application/problem+json.",
  },
  securitySchemes: {
    bearerAuth: { type: "http", scheme: "bearer", description: "Account API token (ucat_…)" },
    basicAuth: { type: "http", scheme: "basic", description: "Account name and password" },
  },
  router: upcloudRouter,
};
