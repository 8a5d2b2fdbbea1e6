export function ensureCommand(command: string, pkg: string): string;
export function freePort(): Promise<number>;
export function restartablePort(): Promise<number>;
export function startRedis(port?: number): Promise<{ url: string; port: number; stop: () => Promise<void> }>;
export function startRedisCluster(): Promise<{ ports: number[]; stop: () => Promise<void> }>;
