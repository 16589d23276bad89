/**
 * The Lyve Transporter (JSON; requests signed for the `transporter` credential scope, on any path).
 * Reserved: no route is built yet (issue 22), so every request answers its 404.
 */
import { createRouter } from "../factory";
import { renderTransporter, transporterUnexpected } from "./errors";

export const transporterRouter = () => createRouter(renderTransporter, transporterUnexpected);
