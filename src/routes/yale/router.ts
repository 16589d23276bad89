/**
 * The Yale s3-api wrapper (`/v1/s3`, and any request with `X-Auth-Token`). Reserved: no route is
 * built yet (issue 19), so every request answers the Yale 404.
 */
import { createRouter } from "../factory";
import { renderYale, yaleUnexpected } from "./errors";

export const YALE_MOUNT = "/v1/s3";

export const yaleRouter = () => createRouter(renderYale, yaleUnexpected);
