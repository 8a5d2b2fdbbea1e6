import type { IncomingMessage } from 'node:http';

/** Largest request body read, in bytes (64 KiB, as `toNodeHandler`): a signing request is a URL. */
export const MAX_BODY = 64 * 1024;

/**
 * The request body as UTF-8 text, or `undefined` once it passes {@link MAX_BODY} bytes (the
 * rest is not buffered). Rejects when the client aborts.
 */
export async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
