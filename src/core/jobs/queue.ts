import type { QueueHandler } from "../../queue/handlers";
import { ConfigureMessage, CopyMessage, ListMessage, runConfigure, runCopy, runList } from "./engine";

/** The JOBS queue message kinds of migration jobs, registered in src/queue/handlers.ts. */
export const jobQueueHandlers = {
  configure: { schema: ConfigureMessage, run: runConfigure } satisfies QueueHandler<typeof ConfigureMessage>,
  list: { schema: ListMessage, run: runList } satisfies QueueHandler<typeof ListMessage>,
  copy: { schema: CopyMessage, run: runCopy } satisfies QueueHandler<typeof CopyMessage>,
};
