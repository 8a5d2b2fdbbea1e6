import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Metrics } from './createMetrics.js';
import { isClientGone } from './isClientGone.js';

/**
 * The one way both listeners end a request whose handler threw: nothing for a client that hung up
 * (see {@link isClientGone}), else an error log line (`what` and the error's kind, never its text or
 * cause: an unexpected error can quote a URL or an upstream answer with a token in it) and `answer500()`, or, when headers already left, the connection dropped.
 */
export function answerFailure(
  req: IncomingMessage,
  res: ServerResponse,
  context: { metrics: Metrics; logger: Logger; what: string; answer500: () => void },
): (error: unknown) => void {
  return (error) => {
    const { metrics, logger } = context;
    if (isClientGone(req)) {
      metrics.aborted();
      logger.debug('the client closed its connection before the answer');
      return;
    }
    logger.error({ err: { name: error instanceof Error ? error.name : typeof error } }, context.what);
    if (!res.headersSent) context.answer500();
    else {
      res.destroy();
      metrics.aborted();
    }
  };
}
