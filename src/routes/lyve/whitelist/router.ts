/**
 * Lyve's IP whitelist API (`/api/whitelist/RSWhitelist…`, JSON, signed for `iam`). Reserved: no
 * route is built yet (issue 21), so every request answers its 404.
 */
import { createRouter } from "../../factory";
import { renderWhitelist, whitelistUnexpected } from "./errors";

export const WHITELIST_MOUNT = "/api/whitelist";

export const whitelistRouter = () => createRouter(renderWhitelist, whitelistUnexpected);
