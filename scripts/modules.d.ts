// Types for the build scripts (plain ESM JavaScript) imported by the end-to-end tests.
declare module "*/scripts/package.mjs" {
  export const VSIX: string;
  export function packageExtension(): { file: string; files: string[]; kb: number };
}
declare module "*/scripts/tools.mjs" {
  export function ensureTools(): { codeServer: string; chromium: string };
}
declare module "*/scripts/code-server.mjs" {
  export function freePort(): Promise<number>;
  export function startCodeServer(o: {
    codeServer: string;
    vsix: string;
    stateDir: string;
    folder: string;
    port?: number;
    settings?: Record<string, unknown>;
    quiet?: boolean;
  }): Promise<{ url: string; port: number; folder: string; stop(): Promise<void>; child: import("node:child_process").ChildProcess }>;
}
declare module "*/scripts/postgres.mjs" {
  export function startPostgres(
    settings?: Record<string, string>,
  ): Promise<{ port: number; version: string; connection: { host: string; port: number; user: string; database: string }; stop(): void }>;
  export interface ReplicaSet {
    version: string;
    primary: { host: string; port: number; user: string; database: string };
    standby: { host: string; port: number; user: string; database: string };
    promote(): Promise<void>;
    cutOff(): Promise<void>;
    stop(): Promise<void>;
  }
  export function startReplicaSet(o?: {
    applyDelayMs?: number;
    synchronousCommit?: "remote_apply" | "on" | "remote_write" | "local" | "off";
    setup?: string;
  }): Promise<ReplicaSet>;
}
declare module "*/scripts/mariadb.mjs" {
  export function startMariadb(): Promise<{ port: number; version: string; connection: { host: string; port: number; user: string }; stop(): void }>;
}
declare module "*/scripts/layers.mjs" {
  export const LAYERS: Readonly<Record<string, readonly string[]>>;
  export const PURE: readonly string[];
}
declare module "*/scripts/nginx.mjs" {
  export interface NginxLocation {
    name: string;
    ratePerSecond: number;
    burst: number;
    nodelay: boolean;
    delay?: number;
  }
  export interface AccessLogLine {
    i: number | null;
    status: number;
    msec: number;
    requestTime: number;
    uri: string;
  }
  export interface LimitLogLine {
    i: number;
    uri: string;
    zone: string;
    kind: "delayed" | "rejected";
    /** Thousandths of a request, as nginx computed it. */
    excess: number;
  }
  export interface Nginx {
    port: number;
    version: string;
    accessLog(): AccessLogLine[];
    limitLog(): LimitLogLine[];
    stop(): Promise<void>;
  }
  export function startNginx(o: { locations: readonly NginxLocation[] }): Promise<Nginx>;
}
declare module "*/scripts/redis.mjs" {
  export type RedisReply = string | number | null | RedisReply[];
  export interface RedisConnection {
    /** Sends one command; resolves with its reply, rejects with a Redis error. */
    command(...args: (string | number)[]): Promise<RedisReply>;
    close(): void;
  }
  export interface Redis {
    port: number;
    version: string;
    /** The user redis-server runs as: redis, or nobody. */
    user: string;
    connect(): Promise<RedisConnection>;
    stop(): Promise<void>;
  }
  export const LOCK_SCRIPTS: {
    /** KEYS[1] the lock, ARGV[1] the caller's token: DEL only when the key still holds it (1), else 0. */
    readonly release: string;
    /** KEYS[1] the last token accepted, KEYS[2] the value; ARGV token, value, fencing ("1"/"0"): 1 stored, 0 refused. */
    readonly write: string;
  };
  export function connectRedis(port: number): Promise<RedisConnection>;
  export function startRedis(): Promise<Redis>;
}
declare module "*/scripts/haproxy.mjs" {
  export interface HaproxyLimit {
    name: string;
    periodMs: number;
    limit: number;
  }
  export interface Haproxy {
    port: number;
    version: string;
    stop(): Promise<void>;
  }
  export function startHaproxy(o: { limits: readonly HaproxyLimit[] }): Promise<Haproxy>;
}
