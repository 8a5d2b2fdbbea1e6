export function ensureCommand(command: string, pkg: string): string;
export function freePort(): Promise<number>;
export function startRedis(): Promise<{ url: string; stop: () => Promise<void> }>;
