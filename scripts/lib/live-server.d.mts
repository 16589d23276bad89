// Types of live-server.mjs for the TypeScript tests that start a server (test/live).
export interface LiveServer {
  origin: string;
  port: number;
  pid: number;
  dir: string;
  logFile: string;
  adminToken: string;
  token: string;
  password?: string;
  accountId: string;
  service: string;
  endpoint?: string;
  accessKeyId: string;
  secretAccessKey: string;
  rssBytes(): number;
  /** Per workerd process: { [pid]: bytes }. */
  rssByProcess(): Record<string, number>;
  alive(): boolean;
  logTail(): string;
  /** The last `n` error lines of the server's log. */
  logErrors(n?: number): string;
  stop(opts?: { keep?: boolean }): Promise<void>;
}
export interface StartOptions {
  persistDir?: string;
  port?: number;
  tenant?: string;
  startTimeoutMs?: number;
  vars?: Record<string, string>;
  keepDir?: boolean;
}
export const root: string;
export function freePort(): Promise<number>;
export function treeRssBytes(pid: number, comm?: string): number;
export function treeRss(pid: number, comm?: string): Record<string, number>;
/** Alias of treeRssBytes. */
export function groupRssBytes(pid: number, comm?: string): number;
export function startServer(opts?: StartOptions): Promise<LiveServer>;
