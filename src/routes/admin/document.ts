import type { DialectDocument } from "../document-types";
import { adminRouter } from "./router";

/** The operator API's OpenAPI document: `/openapi/admin.json`. */
export const adminDocument: DialectDocument = {
  id: "admin",
  prefix: "admin",
  mount: "/admin/v1",
  info: {
    title: "Stowage operator API",
    version: "0.1.0",
    description: "Accounts (tenants) and their API tokens under /admin/v1, authenticated by the operator's ADMIN_TOKEN.",
  },
  securitySchemes: {
    adminToken: { type: "http", scheme: "bearer", description: "Operator ADMIN_TOKEN" },
  },
  router: adminRouter,
};
