// wechat-share/vite: the dev middleware (signing endpoint, simulated WeChat client) inside
// `vite serve`. Nothing of it reaches `vite build`.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import type { HtmlTagDescriptor, Plugin } from 'vite';
import { createDevMiddleware, type DevMiddlewareOptions } from '../index';
import { bootSnippet } from '../../server/index';

/**
 * Options of {@link wechatShare}: those of `createDevMiddleware` from `wechat-share/dev`
 * (`endpoint`, default `/api/wechat/signature`; `simulate`, default `true`; `platform`, default
 * `'ios'`; `appId`/`appSecret`, default `WECHAT_APP_ID`/`WECHAT_APP_SECRET`, else a fake WeChat API
 * in the dev server's process; `signer`; `jsSafeDomains`; `log`, default Vite's logger;
 * `allowRemote`, default `false`: this machine only, `true` for a phone on the LAN with
 * `vite --host`; `root`, default Vite's root, where `weixin-js-sdk` is looked for; `bootScript`,
 * default `false`: `true` or `{ jweixinVersion: '1.6.0' }` puts the boot snippet into pages too;
 * `wecom`, default `WECOM_CORP_ID`/`WECOM_CORP_SECRET`/`WECOM_AGENT_ID`, else a fake WeCom API with
 * corpId `ww0000000000demo0` and agentId `1000002`, signing `platform=wecom` requests at the same
 * endpoint; `false` turns WeCom signing off).
 */
export type WechatShareViteOptions = Omit<DevMiddlewareOptions, 'injectSimulator'>;

/**
 * The Vite plugin: under `vite serve` only (`apply: 'serve'`), it mounts the signing endpoint and,
 * with `simulate` (the default), the simulator's verify endpoint and script, and puts the
 * simulator's `<script>` first in `<head>` of every HTML page Vite serves to this machine, followed
 * by jweixin's when an installed `weixin-js-sdk` 1.6 or later is served, then the boot snippet's
 * with `bootScript`. Clients on other machines
 * get none of it (a 403 on its paths, pages without the simulator) unless `allowRemote`. It prints
 * what it mounted under Vite's URLs. `vite build` output has none of it.
 *
 * @throws Error when the dev server starts with `NODE_ENV` `production` or `prod` (see `createDevMiddleware`)
 * @example
 * // vite.config.ts
 * import { wechatShare } from 'wechat-share/vite';
 * export default defineConfig({ plugins: [vue(), wechatShare()] });
 */
export function wechatShare(options: WechatShareViteOptions = {}): Plugin {
  let middleware: ReturnType<typeof createDevMiddleware> | undefined;
  // Vite's HTML hook is not given the request: the request whose page is being transformed is
  // carried from the middleware through Vite's chain, so that a remote client's page is left alone.
  const pageRequest = new AsyncLocalStorage<IncomingMessage>();
  const endpoint = options.endpoint ?? '/api/wechat/signature';
  const boot = options.bootScript && (options.bootScript === true ? {} : options.bootScript);
  return {
    name: 'wechat-share',
    apply: 'serve',
    configureServer(server) {
      const logger = server.config.logger;
      const dev = createDevMiddleware({ log: (line) => logger.warn(line), root: server.config.root, ...options, injectSimulator: false });
      middleware = dev;
      // Before Vite's own middlewares, so that its SPA fallback does not answer these paths.
      server.middlewares.use((req, res, next) => dev(req, res, (error) => (error ? next(error) : pageRequest.run(req, () => next()))));
      const printUrls = server.printUrls.bind(server);
      server.printUrls = () => {
        printUrls();
        for (const line of dev.mounted) logger.info(`  ➜  wechat-share: ${line}`);
      };
    },
    transformIndexHtml: {
      order: 'pre',
      // First in <head>: the simulated client must exist before the SDK or jweixin looks at the page.
      // A page whose request did not come through the middleware gets nothing: its client is unknown.
      handler: () => {
        const req = pageRequest.getStore();
        if (!middleware || !req || !middleware.allowsClient(req)) return [];
        if (!middleware.simulatorAttributes && !boot) return [];
        const scripts = [middleware.simulatorAttributes, ...(middleware.jweixinPath ? [{ src: middleware.jweixinPath }] : [])];
        const tags: HtmlTagDescriptor[] = scripts.map((attrs) => ({ tag: 'script', attrs: { ...attrs }, injectTo: 'head-prepend' }));
        // The boot snippet after them: jweixin is then already there when the page has it locally.
        if (boot) tags.push({ tag: 'script', children: bootSnippet({ ...boot, endpoint }), injectTo: 'head-prepend' });
        return tags;
      },
    },
  };
}
