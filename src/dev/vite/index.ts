// wechat-share/vite: the dev middleware (signing endpoint, simulated WeChat client) inside
// `vite serve`. Nothing of it reaches `vite build`.
import type { Plugin } from 'vite';
import { createDevMiddleware, type DevMiddlewareOptions } from '../../server';

/**
 * Options of {@link wechatShare}: those of `createDevMiddleware` from `wechat-share/server`
 * (`endpoint`, default `/api/wechat/signature`; `simulate`, default `true`; `platform`, default
 * `'ios'`; `appId`/`appSecret`, default `WECHAT_APP_ID`/`WECHAT_APP_SECRET`, else a fake WeChat API
 * in the dev server's process; `signer`; `jsSafeDomains`; `log`, default Vite's logger).
 */
export type WechatShareViteOptions = Omit<DevMiddlewareOptions, 'injectSimulator'>;

/**
 * The Vite plugin: under `vite serve` only (`apply: 'serve'`), it mounts the signing endpoint and,
 * with `simulate` (the default), the simulator's verify endpoint and script, and puts the
 * simulator's `<script>` first in `<head>` of every HTML page Vite serves. It prints what it
 * mounted under Vite's URLs. `vite build` output has none of it.
 *
 * @throws Error when the dev server starts with `NODE_ENV=production` (see `createDevMiddleware`)
 * @example
 * // vite.config.ts
 * import { wechatShare } from 'wechat-share/vite';
 * export default defineConfig({ plugins: [vue(), wechatShare()] });
 */
export function wechatShare(options: WechatShareViteOptions = {}): Plugin {
  let simulator: Readonly<Record<string, string>> | undefined;
  return {
    name: 'wechat-share',
    apply: 'serve',
    configureServer(server) {
      const logger = server.config.logger;
      const middleware = createDevMiddleware({ log: (line) => logger.warn(line), ...options, injectSimulator: false });
      simulator = middleware.simulatorAttributes;
      // Before Vite's own middlewares, so that its SPA fallback does not answer these paths.
      server.middlewares.use(middleware);
      const printUrls = server.printUrls.bind(server);
      server.printUrls = () => {
        printUrls();
        for (const line of middleware.mounted) logger.info(`  ➜  wechat-share: ${line}`);
      };
    },
    transformIndexHtml: {
      order: 'pre',
      // First in <head>: the simulated client must exist before the SDK or jweixin looks at the page.
      handler: () => (simulator ? [{ tag: 'script', attrs: { ...simulator }, injectTo: 'head-prepend' as const }] : []),
    },
  };
}
