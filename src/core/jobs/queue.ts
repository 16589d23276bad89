import type { QueueHandler } from "../queue-handler";
import { ConfigureMessage, CopyMessage, ListMessage, runConfigure, runCopy, runList } from "./engine";

/** The JOBS queue message kinds of migration jobs, registered in src/queue/handlers.ts. */
export const jobQueueHandlers = {
  configure: { schema: ConfigureMessage, run: (m, env, deps) => runConfigure(m, env, deps.localS3) } satisfies QueueHandler<
    typeof ConfigureMessage
  >,
  list: { schema: ListMessage, run: (m, env, deps) => runList(m, env, deps.localS3) } satisfies QueueHandler<typeof ListMessage>,
  copy: { schema: CopyMessage, run: (m, env, deps) => runCopy(m, env, deps.localS3) } satisfies QueueHandler<typeof CopyMessage>,
};
