/**
 * The body of `response` as UTF-8 text, read as a stream: resolves with `undefined` as soon as
 * more than `limit` bytes have arrived (or a `Content-Length` says so), after cancelling the rest,
 * so that an answer of any size costs at most about `limit` bytes of memory. A `Content-Length`
 * that lies is not trusted: the bytes are counted. Rejects as the stream does (an abort, a reset).
 * @param limit - bytes, counted after any `Content-Encoding` is decoded
 */
export async function readLimited(response: Response, limit: number): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  const body = response.body;
  // Not awaited: a cancel may settle only once the peer closes, and nothing waits for that.
  if (declared > limit) {
    void body?.cancel().catch(() => undefined);
    return undefined;
  }
  // A custom fetch's Response may have no stream (an empty body).
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      void reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}
