/**
 * The KOS bucket API (`/kos/v1`, and `/internal/kos/v1` for its internal routes). Reserved: no route
 * is built yet (issue 18), so every request answers the KOS 404.
 */
import { createRouter } from "../factory";
import { renderKos, kosUnexpected } from "./errors";

export const KOS_MOUNT = "/kos/v1";
export const KOS_INTERNAL_MOUNT = "/internal/kos/v1";

export const kosRouter = () => createRouter(renderKos, kosUnexpected);
export const kosInternalRouter = () => createRouter(renderKos, kosUnexpected);
