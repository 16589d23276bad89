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
  alive(): boolean;
  logTail(): string;
  stop(): Promise<void>;
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
export function groupRssBytes(pgid: number, comm?: string): number;
export function startServer(opts?: StartOptions): Promise<LiveServer>;
