import type { IncomingMessage, ServerResponse } from 'node:http';

type NodeRequest = IncomingMessage & { body?: unknown; originalUrl?: string };

/** Largest request body read, in bytes (64 KiB); larger ones get 413. */
const MAX_BODY = 64 * 1024;

// The handler's error shape, for the two failures this adapter answers itself.
function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  if (!res.headersSent) res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', Connection: 'close' });
  res.end(JSON.stringify({ error: { code, message } }));
}

/**
 * Adapts a web-standard handler (such as {@link createSignatureHandler}'s) to node:http's
 * `(req, res)`, which Express, Connect and (with `ctx.req`, `ctx.res`, `ctx.respond = false`) Koa
 * also use. A body that a framework already parsed (`req.body`) is used as it is; a raw body past
 * 64 KiB is answered 413 `PAYLOAD_TOO_LARGE` without being buffered.
 *
 * @example
 * app.all('/api/wechat/signature', toNodeHandler(createSignatureHandler(signer)));
 */
export function toNodeHandler(handler: (request: Request) => Promise<Response>): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      const r = req as NodeRequest;
      const url = new URL(r.originalUrl ?? r.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      let body: string | undefined;
      if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS') {
        if (r.body !== undefined) {
          // Parsed by a framework: send it on as JSON, or as it is when it is a string.
          body = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
          if (typeof r.body !== 'string') headers.set('content-type', 'application/json');
        } else {
          const chunks: Buffer[] = [];
          let size = 0;
          for await (const chunk of req) {
            size += (chunk as Buffer).length;
            // A signing request is a URL: anything this large is not one, and is not buffered.
            if (size > MAX_BODY) return sendError(res, 413, 'PAYLOAD_TOO_LARGE', `The body passes ${MAX_BODY} bytes.`);
            chunks.push(chunk as Buffer);
          }
          body = Buffer.concat(chunks).toString('utf8');
        }
      }
      const response = await handler(new Request(url, { method: req.method, headers, body }));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    })().catch(() => sendError(res, 500, 'INTERNAL_ERROR', 'The request could not be read.'));
  };
}
