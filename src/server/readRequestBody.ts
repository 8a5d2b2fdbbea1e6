import type { IncomingMessage } from 'node:http';

/** Largest request body read, in bytes (64 KiB): a signing request is a URL, a token refresh one token. */
export const MAX_BODY = 64 * 1024;

// How much of a body past the limit is read and thrown away, in bytes, so that the client, still
// sending, receives the 413: a connection closed with unread data in it is reset, and the answer
// with it (the client sees EPIPE or ECONNRESET instead). Past this, the answer is sent anyway and
// the connection closed.
const DRAIN = 16 * 1024 * 1024;

/**
 * The body of a node:http request as UTF-8 text, read from the stream, at most `limit` bytes kept.
 *
 * Resolves with the text, or with `undefined` when the body passes `limit` bytes (answer 413 then,
 * with `Connection: close`): the rest is read and dropped, never buffered, so that the answer reaches
 * a client still sending (up to 16 MiB more; past that it resolves at once). Rejects when the
 * client closes the connection before the body ends, or the stream fails; and when the body was
 * already read by someone else (a body parser), which would otherwise never settle.
 *
 * @param req - the request, its body not yet read
 * @param limit - in bytes; default {@link MAX_BODY} (64 KiB)
 */
export function readRequestBody(req: IncomingMessage, limit: number = MAX_BODY): Promise<string | undefined> {
  if (req.readableEnded) return Promise.reject(new Error('readRequestBody: the request body was already read (by a body parser?).'));
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] | undefined = [];
    let size = 0;
    const settle = (error: Error | undefined, text?: string) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (error) reject(error);
      else resolve(text);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (chunks) {
        if (size <= limit) return void chunks.push(chunk);
        chunks = undefined;
      }
      if (size > limit + DRAIN) settle(undefined);
    };
    const onEnd = () => settle(undefined, chunks && Buffer.concat(chunks, size).toString('utf8'));
    const onError = (error: Error) => settle(error);
    const onClose = () => settle(new Error('The client closed its connection before the body ended.'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
