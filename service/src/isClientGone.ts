import type { IncomingMessage } from 'node:http';

/**
 * Whether the client closed its connection before it was answered (such as a POST whose body it
 * abandoned). That is the client's doing, not a fault of the service: no 500 is counted and no
 * error is logged for it, so that nobody can raise a 5xx alert or flood the log by hanging up.
 */
export function isClientGone(req: IncomingMessage): boolean {
  return req.socket.destroyed;
}
