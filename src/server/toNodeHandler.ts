import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkSigningRequest } from './checkSigningRequest';
import { JSON_HEADERS } from './jsonHeaders';
import { MAX_BODY, readRequestBody } from './readRequestBody';

type NodeRequest = IncomingMessage & { body?: unknown; originalUrl?: string; _body?: boolean };

// Methods the Fetch standard forbids in a `Request` (its constructor throws on them).
const FORBIDDEN_METHOD = /^(CONNECT|TRACE|TRACK)$/i;

// A framework that answered already (Koa without `ctx.respond = false` sends its own 404 once the
// middleware returns) owns the response: writing again would throw ERR_HTTP_HEADERS_SENT or emit
// ERR_STREAM_WRITE_AFTER_END, which ends the process when nothing listens for it.
const answered = (res: ServerResponse) => res.headersSent || res.writableEnded || res.destroyed;

// The handler's error shape, for the failures this adapter answers itself.
function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  if (answered(res)) return;
  res.writeHead(status, { ...JSON_HEADERS, Connection: 'close', ...headers });
  res.end(JSON.stringify({ error: { code, message } }));
}

// Whether a body parser has already read the request stream (body-parser's `_body` flag, or the
// stream itself ended). Express 4's parsers set `req.body = {}` even for a type they skip.
const consumed = (req: NodeRequest) => req._body === true || req.readableEnded;

/**
 * Adapts a web-standard handler (such as {@link createSignatureHandler}'s) to node:http's
 * `(req, res)`, which Express, Connect and (with `ctx.req`, `ctx.res`, `ctx.respond = false`) Koa
 * also use.
 *
 * The body: when a framework's parser already read the stream (Express `express.json()` or
 * `express.urlencoded()`, Koa's body parsers after `ctx.req.body = ctx.request.body`), its
 * `req.body` is used; otherwise the raw stream is read, so a parser that skipped the request's
 * type costs nothing. A raw body past 64 KiB is answered 413 `PAYLOAD_TOO_LARGE` without being
 * buffered (see {@link readRequestBody}: the rest is read and dropped, so that the answer arrives);
 * a malformed `Host` header 400 `BAD_REQUEST`; a method that a `Request` cannot carry (`TRACE`,
 * `TRACK`, `CONNECT`) 405 `METHOD_NOT_ALLOWED`, as `PUT` is. Error answers have the endpoint's
 * JSON headers ({@link JSON_HEADERS}) and `Connection: close`.
 *
 * It never writes to a response that has ended or whose headers were already sent (by a
 * framework that answered first, such as Koa when `ctx.respond = false` is left out): the
 * handler's answer is then dropped, and the process keeps running.
 *
 * The handler gets the connection's peer address as its second argument (`{ remoteAddress }`, as
 * `req.socket` has it): `createVerifyHandler` uses it to answer this machine only.
 *
 * @example
 * app.all('/api/wechat/signature', toNodeHandler(createSignatureHandler(signer)));
 */
export function toNodeHandler(
  handler: (request: Request, client: { remoteAddress?: string }) => Promise<Response>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      const r = req as NodeRequest;
      const method = req.method ?? 'GET';
      if (FORBIDDEN_METHOD.test(method)) {
        // The signing endpoint's own 405, from its one rule for methods.
        const check = checkSigningRequest({ method, search: '' });
        if (!check.ok) return sendError(res, check.status, check.code, check.message, check.headers);
      }
      let url: URL;
      try {
        url = new URL(r.originalUrl ?? r.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
      } catch {
        return sendError(res, 400, 'BAD_REQUEST', 'The Host header or the request path is not valid.');
      }
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      let body: string | undefined;
      if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') {
        if (consumed(r)) {
          // Parsed by a framework: strings and buffers as they are, objects as JSON.
          if (typeof r.body === 'string' || Buffer.isBuffer(r.body)) body = String(r.body);
          else if (r.body !== undefined && r.body !== null) {
            body = JSON.stringify(r.body);
            headers.set('content-type', 'application/json');
          } else {
            return sendError(res, 400, 'MISSING_URL', 'A body parser read the request body but left no req.body: in Koa, set ctx.req.body = ctx.request.body first.');
          }
        } else {
          // A signing request is a URL: anything this large is not one, and is not buffered.
          body = await readRequestBody(req);
          if (body === undefined) return sendError(res, 413, 'PAYLOAD_TOO_LARGE', `The body passes ${MAX_BODY} bytes.`);
        }
      }
      const response = await handler(new Request(url, { method, headers, body }), { remoteAddress: req.socket?.remoteAddress });
      const payload = Buffer.from(await response.arrayBuffer());
      if (answered(res)) return;
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(payload);
    })().catch(() => sendError(res, 500, 'INTERNAL_ERROR', 'The request could not be read.'));
  };
}
