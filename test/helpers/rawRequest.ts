import { connect } from 'node:net';

/** What {@link rawRequest} read back: the status, headers (lowercase names), body, and any socket error. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The socket's error code (EPIPE, ECONNRESET), when the connection broke instead of ending. */
  error?: string;
}

/**
 * Sends one HTTP/1.1 request over a plain TCP socket to 127.0.0.1:`port`, writes `body` whole (as a
 * client does that does not wait for an early answer), half-closes, and resolves with everything
 * the server sent once the connection closes: what a client receives, EPIPE or not.
 */
export function rawRequest(port: number, head: string, body: Buffer = Buffer.alloc(0)): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const received: Buffer[] = [];
    let error: string | undefined;
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`${head}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
      socket.end(body);
    });
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', (cause: NodeJS.ErrnoException) => (error ??= cause.code ?? cause.message));
    socket.on('close', () => {
      const text = Buffer.concat(received).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine = '', ...lines] = (split === -1 ? text : text.slice(0, split)).split('\r\n');
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      const raw = split === -1 ? '' : text.slice(split + 4);
      const body = headers['transfer-encoding'] === 'chunked' ? unchunk(raw) : raw;
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, body, ...(error && { error }) });
    });
  });
}

// The body of a chunked answer (ASCII here: JSON error answers).
function unchunk(raw: string): string {
  let body = '';
  for (let at = 0; at < raw.length; ) {
    const lineEnd = raw.indexOf('\r\n', at);
    const size = parseInt(raw.slice(at, lineEnd), 16);
    if (!size) break;
    body += raw.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
  return body;
}
