import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createFakeWechatApi } from './createFakeWechatApi';
import { createFakeWecomApi } from './createFakeWecomApi';
// The server entry's own functions (dist/dev.mjs imports them from dist/server.mjs: one
// WechatApiError class, one copy of the signer).
import { bootScript, createSignatureHandler, createSigner, createWecomSigner, toNodeHandler, type BootScriptOptions, type Signer, type WecomSigner } from '../server/index';
import { createVerifyHandler } from './createVerifyHandler';
import { findJweixin } from './findJweixin';
import { isLocalClient, remoteRefusal } from './isLocalClient';
import { isProduction } from './isProduction';

/** Options of {@link createDevMiddleware} (and of the Vite plugin `wechatShare()`). Every field is optional. */
export interface DevMiddlewareOptions {
  /**
   * Path of the signing endpoint, the SDK's `endpoint`.
   * @default '/api/wechat/signature'
   */
  endpoint?: string;
  /**
   * The simulated WeChat client: its verify endpoint at `/__wechat-share/verify`, its script at
   * `/__wechat-share/simulator.js`, and that script put first in `<head>` of every HTML answer
   * that passes through the middleware. `false`: the signing endpoint only.
   * @default true
   */
  simulate?: boolean;
  /**
   * Put the simulator's `<script>` (and the boot snippet's, with `bootScript`) first in `<head>` of
   * HTML answers passing through. The Vite plugin turns this off and uses Vite's own HTML hook.
   * @default true (when `simulate`)
   */
  injectSimulator?: boolean;
  /**
   * The simulated platform until the panel's iOS / Android / Browser switch picks another.
   * @default 'ios'
   */
  platform?: 'ios' | 'android' | 'browser';
  /**
   * The Official Account's appId and appSecret.
   * @default process.env.WECHAT_APP_ID and WECHAT_APP_SECRET; when either is missing, an
   * in-process fake WeChat API ({@link createFakeWechatApi}) with appId `wx_dev_app_id` signs,
   * and nothing leaves the machine.
   */
  appId?: string;
  /** See `appId`. */
  appSecret?: string;
  /** A signer of your own instead (its `appId` must then be given too). */
  signer?: Signer;
  /**
   * The WeCom app that signs pages inside WeCom (`platform=wecom` requests) and whose tickets the
   * verifier checks the simulated WeCom client's signatures with. `false`: WeCom requests get 403
   * `HOST_NOT_ALLOWED`.
   * @default corpId, corpSecret and agentId from process.env.WECOM_CORP_ID, WECOM_CORP_SECRET and
   * WECOM_AGENT_ID; when the corpId or the secret is missing, an in-process fake WeCom API
   * ({@link createFakeWecomApi}) with corpId `ww0000000000demo0` and agentId `1000002` signs, and
   * nothing leaves the machine
   */
  wecom?: DevWecomOptions | false;
  /**
   * JS safe domains (hostnames) the simulator's verifier accepts.
   * @default undefined: any domain, as a dev machine's host is rarely the real one
   */
  jsSafeDomains?: string[];
  /** Where warnings go (signer's `onError`, redacted). @default console.warn */
  log?: (line: string) => void;
  /**
   * Answer clients on other machines too. Without it, the middleware's own paths answer a client that
   * is not loopback (127.0.0.0/8, `::1`), or that a proxy or tunnel forwarded (`Forwarded`,
   * `X-Forwarded-For`, `X-Real-IP`), with a plain-text 403 saying how to allow it, and its pages get
   * no simulator; other requests pass on untouched. A phone on the LAN (`vite --host`) or a page
   * opened through a tunnel needs `true`: the fake WeChat API then signs for anyone who reaches it.
   * @default false
   */
  allowRemote?: boolean;
  /**
   * The project folder: the installed `weixin-js-sdk` (1.6 or later) is looked for from here and, when
   * found, served at `/__wechat-share/jweixin-1.6.0.js` and put after the simulator in pages, so that
   * they work without the internet. `false`: never, pages load jweixin from res.wx.qq.com.
   * @default process.cwd() (the Vite plugin: Vite's `root`)
   */
  root?: string | false;
  /**
   * The name `weixin-js-sdk` is installed under in `root`: an alias such as `jweixin-1.6.0`
   * (`npm install -D jweixin-1.6.0@npm:weixin-js-sdk@1.6.0`) for a project that keeps
   * `weixin-js-sdk` at 1.4 for its own code. Only 1.6 or later is served (see `root`).
   * @default 'weixin-js-sdk'
   */
  jweixinPackage?: string;
  /**
   * Put the boot snippet (`bootScript()`, for this middleware's `endpoint`) into HTML answers too,
   * after the simulator's and jweixin's tags, so that jweixin and the signing request start from
   * `<head>` as they will in production with the snippet. `true` for a page on jweixin 1.4.0 (the
   * SDK's default), `{ jweixinVersion: '1.6.0' }` for one with open tags; `method` as the page's.
   * When jweixin is served locally it is already on the page, and the snippet loads no other.
   * @default false
   */
  bootScript?: boolean | Pick<BootScriptOptions, 'jweixinVersion' | 'method'>;
}

/** The `wecom` option of {@link createDevMiddleware}. Every field is optional. */
export interface DevWecomOptions {
  /** The corpId (`ww…`). @default process.env.WECOM_CORP_ID, else the fake's `ww0000000000demo0` */
  corpId?: string;
  /** The app's Secret. @default process.env.WECOM_CORP_SECRET; without it (or a corpId) the fake signs */
  corpSecret?: string;
  /**
   * The app's agentId: the answer then carries the agent ticket's signature too.
   * @default process.env.WECOM_AGENT_ID, else `1000002` (the fake's)
   */
  agentId?: number;
  /** A WeCom signer of your own instead (`createWecomSigner`). */
  signer?: WecomSigner;
  /** The app's trusted domains (可信域名) the verifier accepts. @default undefined: any domain */
  trustedDomains?: string[];
}

/** The demo and dev defaults for WeCom, shared with the simulator (the WeCom contract). */
export const DEV_WECOM = { corpId: 'ww0000000000demo0', agentId: 1000002, corpSecret: 'dev_wecom_corp_secret' } as const;

/** A connect-style middleware, with what it mounted for a startup line. */
export interface DevMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** One line per mounted part, such as `signing endpoint /api/wechat/signature (fake WeChat API, appId wx_dev_app_id)`. */
  readonly mounted: string[];
  /**
   * The `<script>` tags for pages the middleware does not serve: the simulator's, then the local
   * jweixin's when it is served (`''` when `simulate` is false). Put them first in `<head>`, for
   * clients that {@link DevMiddleware.allowsClient} allows.
   */
  readonly simulatorTag: string;
  /** The attributes of that tag (`src`, `data-verify`, `data-platform`), or `undefined` when `simulate` is false. */
  readonly simulatorAttributes: Readonly<Record<string, string>> | undefined;
  /**
   * Where the installed jweixin is served (`/__wechat-share/jweixin-1.6.0.js`), or `undefined` when it is
   * not (`simulate` off, `weixin-js-sdk` missing or older than 1.6). Its `<script>` goes right after the
   * simulator's (`simulatorTag` has both): a page, and the SDK, then find `window.wx` already there.
   */
  readonly jweixinPath: string | undefined;
  /**
   * The boot snippet's `<script>` (`bootScript()` for `endpoint`) when the `bootScript` option asks for
   * it, else `''`: put it after `simulatorTag` in pages the middleware does not serve.
   */
  readonly bootTag: string;
  /**
   * Whether this request's client may use the middleware: a loopback client not forwarded by a proxy,
   * or any with `allowRemote`. A page you serve yourself with `simulatorTag` should carry it only then.
   */
  allowsClient(req: IncomingMessage): boolean;
  /**
   * Prints the `mounted` lines, each after `wechat-share: `, for dev servers that print nothing of
   * their own (webpack-dev-server, Express); the Vite plugin prints them under Vite's URLs.
   * @param print - @default console.info
   */
  printMounted(print?: (line: string) => void): void;
}

/** The simulator's paths: fixed, since the panel and the docs name them. */
export const SIMULATOR_SCRIPT_PATH = '/__wechat-share/simulator.js';
/** The verify endpoint's path, the simulator script's default `data-verify`. */
export const VERIFY_PATH = '/__wechat-share/verify';
const DEV_APP = { appId: 'wx_dev_app_id', appSecret: 'dev_app_secret' };
const JWEIXIN_FOLDER = '/__wechat-share/';

const attribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * Everything a dev server needs to see share cards on a desktop, as one connect-style
 * `(req, res, next)` for Express, Connect, webpack-dev-server (`setupMiddlewares`) and vue-cli:
 * - the signing endpoint (default `/api/wechat/signature`), signing with the real WeChat API when
 *   `WECHAT_APP_ID` and `WECHAT_APP_SECRET` are set, else with an in-process fake; and for pages
 *   inside WeCom (`platform=wecom`) with the real WeCom API when `WECOM_CORP_ID` and
 *   `WECOM_CORP_SECRET` are set (`WECOM_AGENT_ID` too for the agent signature), else with an
 *   in-process fake WeCom API (corpId `ww0000000000demo0`, agentId `1000002`); see `wecom`;
 * - with `simulate` (default): the simulator's verify endpoint (`/__wechat-share/verify`), its script
 *   (`/__wechat-share/simulator.js`, from this package's `dist/wechat-simulator.iife.js`), and that
 *   script injected first in `<head>` of every `text/html` answer served after it (for such answers
 *   it asks for no compression, so that the HTML can be edited).
 * - with `simulate` and an installed `weixin-js-sdk` 1.6 or later: jweixin itself, at
 *   `/__wechat-share/jweixin-1.6.0.js`, its tag right after the simulator's, so pages work offline.
 * Other requests go to `next()`.
 *
 * A development tool: its fake WeChat API signs any host and its verify endpoint tells whoever asks
 * whether a signature is valid. So it refuses to start when `NODE_ENV` says production
 * (`production` or `prod`, trimmed, any case), and answers this machine only unless `allowRemote`.
 * Print its `mounted` lines with `printMounted()` where the dev server prints nothing.
 *
 * @throws Error when `NODE_ENV` says production; TypeError for a `signer` without `appId`, an
 * `endpoint` that is not a path starting with `/`, or a `WECOM_AGENT_ID` (or `wecom.agentId`) that
 * is not a positive integer
 * @example
 * // webpack.config.js
 * devServer: {
 *   setupMiddlewares: (middlewares) => {
 *     const wechatShare = createDevMiddleware();
 *     wechatShare.printMounted();
 *     return [{ name: 'wechat-share', middleware: wechatShare }, ...middlewares];
 *   },
 * }
 */
export function createDevMiddleware(options: DevMiddlewareOptions = {}): DevMiddleware {
  if (isProduction()) {
    throw new Error('createDevMiddleware: a development tool (it verifies signatures for anyone); it refuses to run with NODE_ENV=production. Mount createSignatureHandler in production.');
  }
  const endpoint = options.endpoint ?? '/api/wechat/signature';
  if (typeof endpoint !== 'string' || !endpoint.startsWith('/') || endpoint.startsWith('//')) {
    throw new TypeError(`createDevMiddleware: endpoint must be a path such as '/api/wechat/signature', not ${JSON.stringify(endpoint)}.`);
  }
  if (options.signer && !options.appId) throw new TypeError('createDevMiddleware: with your own signer, give its appId too.');
  const log = options.log ?? ((line: string) => console.warn(line));
  const env = typeof process !== 'undefined' ? process.env : {};
  const appId = options.appId ?? env.WECHAT_APP_ID;
  const appSecret = options.appSecret ?? env.WECHAT_APP_SECRET;
  const fake = options.signer || (appId && appSecret) ? undefined : createFakeWechatApi(DEV_APP);
  const signingAppId = fake ? DEV_APP.appId : appId!;
  const signer =
    options.signer ??
    createSigner({
      appId: signingAppId,
      appSecret: fake ? DEV_APP.appSecret : appSecret!,
      onError: (event) => log(`[wechat-share] ${event.api} failed after ${event.durationMs} ms: ${event.message}`),
      ...(fake && { fetch: (url: string | URL | Request, init?: RequestInit) => fake.handle(new Request(url, init)) }),
    });

  const wecom = options.wecom === false ? undefined : devWecomSigner(options.wecom ?? {}, env, log);

  // What each signature was issued for, so that the panel can say "signed X, but WeChat checked Y".
  const issued = new Map<string, string>();
  const remember = (signature: string, url: string) => {
    issued.set(signature, url);
    if (issued.size > 1000) issued.delete(issued.keys().next().value!);
  };
  const signing = toNodeHandler(
    createSignatureHandler({
      signer: {
        ...signer,
        async sign(url) {
          const result = await signer.sign(url);
          remember(result.signature, result.url);
          return result;
        },
      },
      wecomSigner: wecom && {
        ...wecom.signer,
        corpId: wecom.signer.corpId,
        agentId: wecom.signer.agentId,
        async sign(url) {
          const result = await wecom.signer.sign(url);
          remember(result.signature, result.url);
          if (result.agentSignature) remember(result.agentSignature.signature, result.url);
          return result;
        },
      },
    }),
  );
  const simulate = options.simulate ?? true;
  // The simulator's tags and the boot snippet go into pages unless the host injects them (Vite).
  const inject = options.injectSimulator ?? true;
  const allowRemote = options.allowRemote === true;
  // The middleware itself turns away remote clients before any of its paths, the verify endpoint's included.
  const verify =
    simulate &&
    toNodeHandler(
      createVerifyHandler({
        appId: signingAppId,
        signer,
        jsSafeDomains: options.jsSafeDomains,
        wecom: wecom && { corpId: wecom.signer.corpId, agentId: wecom.signer.agentId, signer: wecom.signer, trustedDomains: wecom.trustedDomains },
        signedUrlOf: (s) => issued.get(s),
        allowRemote: true,
      }),
    );
  const jweixin = simulate && options.root !== false ? findJweixin(options.root ?? process.cwd(), options.jweixinPackage) : undefined;
  const localJweixin = jweixin && 'found' in jweixin ? jweixin.found : undefined;
  const jweixinPath = localJweixin && JWEIXIN_FOLDER + localJweixin.fileName;
  const simulatorAttributes = simulate
    ? { src: SIMULATOR_SCRIPT_PATH, 'data-verify': VERIFY_PATH, ...(options.platform && { 'data-platform': options.platform }) }
    : undefined;
  const simulatorTag = [simulatorAttributes, jweixinPath && { src: jweixinPath }]
    .map((attributes) => (attributes ? `<script${Object.entries(attributes).map(([name, value]) => ` ${name}="${attribute(value)}"`).join('')}></script>` : ''))
    .join('');
  const bootTag = options.bootScript ? bootScript({ ...(options.bootScript === true ? {} : options.bootScript), endpoint }) : '';
  const pageTags = simulatorTag + bootTag;
  const source = fake ? `fake WeChat API, appId ${DEV_APP.appId}` : `WeChat API, appId ${signingAppId}`;
  const mounted = [`signing endpoint ${endpoint} (${source})`];
  mounted.push(wecom ? `WeCom signing (platform=wecom) at ${endpoint} (${wecom.source})` : 'WeCom signing: off (wecom: false)');
  if (simulate) mounted.push(`simulated WeChat client: ${SIMULATOR_SCRIPT_PATH}${inject ? ' injected into HTML pages' : ''}, verify endpoint ${VERIFY_PATH}`);
  if (localJweixin) {
    const from = localJweixin.packageName === 'weixin-js-sdk' ? '' : `${localJweixin.packageName}: `;
    mounted.push(`jweixin: ${jweixinPath}, from ${from}weixin-js-sdk ${localJweixin.version} (pages work offline)`);
  }
  else if (jweixin && 'missing' in jweixin) mounted.push(`jweixin: from res.wx.qq.com (${jweixin.missing}; npm install -D weixin-js-sdk@^1.6 to work offline)`);
  if (bootTag) mounted.push(`boot snippet in HTML pages: jweixin and ${endpoint} start from <head>`);
  mounted.push(allowRemote ? 'clients: any (allowRemote: true)' : 'clients: this machine only (allowRemote: true lets a phone on the LAN in)');

  const allowsClient = (req: IncomingMessage) => allowRemote || isLocalClient(req.socket?.remoteAddress, (name) => headerOf(req, name));
  const serveScript = (res: ServerResponse, script: Promise<string | Buffer>, missing: string) =>
    script.then(
      (body) => {
        res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache' });
        res.end(body);
      },
      () => {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(missing);
      },
    );
  const ownPath = (path: string) => path === endpoint || (simulate && (path === VERIFY_PATH || path === SIMULATOR_SCRIPT_PATH)) || (!!jweixinPath && path === jweixinPath);

  const middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => {
    const path = (req.url ?? '/').split('?')[0];
    const allowed = allowsClient(req);
    if (ownPath(path) && !allowed) {
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(remoteRefusal('createDevMiddleware', req.socket?.remoteAddress));
      return;
    }
    if (path === endpoint) return signing(req, res);
    if (verify && path === VERIFY_PATH) return verify(req, res);
    if (simulate && path === SIMULATOR_SCRIPT_PATH) {
      return void serveScript(res, simulatorScript(), 'wechat-share: dist/wechat-simulator.iife.js is missing from the package. Reinstall wechat-share.');
    }
    if (localJweixin && path === jweixinPath) {
      return void serveScript(res, localJweixin.script(), `wechat-share: weixin-js-sdk ${localJweixin.version} has neither index.original.js nor index.js. Reinstall it.`);
    }
    if (inject && pageTags && allowed && req.method === 'GET' && /\btext\/html\b/.test(String(req.headers.accept))) injectFirstInHead(req, res, pageTags);
    next();
  };
  const printMounted = (print: (line: string) => void = (line) => console.info(line)) => {
    for (const line of mounted) print(`wechat-share: ${line}`);
  };
  return Object.assign(middleware, { mounted, simulatorTag, simulatorAttributes, jweixinPath, bootTag, allowsClient, printMounted });
}

/**
 * The dev middleware's WeCom signer: the caller's own, the real WeCom API with a corpId and secret
 * (options, else WECOM_CORP_ID / WECOM_CORP_SECRET / WECOM_AGENT_ID), or else an in-process fake
 * WeCom API with the demo corp {@link DEV_WECOM}. Also what its startup line says.
 */
function devWecomSigner(
  options: DevWecomOptions,
  env: Record<string, string | undefined>,
  log: (line: string) => void,
): { signer: WecomSigner; source: string; trustedDomains?: string[] } {
  const trustedDomains = options.trustedDomains;
  if (options.signer) return { signer: options.signer, source: `your WeCom signer, corpId ${options.signer.corpId}`, trustedDomains };
  const onError = (event: { api: string; durationMs: number; message: string }) => log(`[wechat-share] ${event.api} failed after ${event.durationMs} ms: ${event.message}`);
  const corpId = options.corpId ?? env.WECOM_CORP_ID;
  const corpSecret = options.corpSecret ?? env.WECOM_CORP_SECRET;
  const envAgent = env.WECOM_AGENT_ID?.trim();
  if (corpId && corpSecret) {
    if (options.agentId === undefined && envAgent && !/^[1-9]\d{0,15}$/.test(envAgent)) {
      throw new TypeError(`createDevMiddleware: WECOM_AGENT_ID must be the app's AgentId, a positive integer such as 1000002, not ${JSON.stringify(envAgent).slice(0, 40)}.`);
    }
    const agentId = options.agentId ?? (envAgent ? Number(envAgent) : undefined);
    const signer = createWecomSigner({ corpId, corpSecret, agentId, onError });
    return { signer, source: `WeCom API, corpId ${corpId}${agentId === undefined ? '' : `, agentId ${agentId}`}`, trustedDomains };
  }
  const agentId = options.agentId ?? DEV_WECOM.agentId;
  const fake = createFakeWecomApi({ corpId: DEV_WECOM.corpId, apps: [{ agentId, secret: DEV_WECOM.corpSecret }] });
  const signer = createWecomSigner({
    corpId: DEV_WECOM.corpId,
    corpSecret: DEV_WECOM.corpSecret,
    agentId,
    onError,
    fetch: (url: string | URL | Request, init?: RequestInit) => fake.handle(new Request(url, init)),
  });
  return { signer, source: `fake WeCom API, corpId ${DEV_WECOM.corpId}, agentId ${agentId}`, trustedDomains };
}

// One request header as a string (node gives arrays for repeated ones).
const headerOf = (req: IncomingMessage, name: string) => {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

let cached: Promise<Buffer> | undefined;
/** The built simulator: `dist/wechat-simulator.iife.js`, beside this bundle in `dist/`. */
function simulatorScript(): Promise<Buffer> {
  cached ??= readFile(new URL('./wechat-simulator.iife.js', import.meta.url));
  cached.catch(() => (cached = undefined));
  return cached;
}

/**
 * Puts `tag` right after `<head…>` of the answer, if it turns out to be uncompressed `text/html`.
 * The status line and headers wait until the first byte of the body, so that `Content-Length` can
 * be fixed; other answers pass through untouched.
 */
function injectFirstInHead(req: IncomingMessage, res: ServerResponse, tag: string): void {
  // A compressing middleware mounted before this one would hand over gzip: ask for none.
  delete req.headers['accept-encoding'];
  const original = { writeHead: res.writeHead, write: res.write, end: res.end };
  let head: unknown[] | undefined;
  let html: boolean | undefined;
  const chunks: Buffer[] = [];
  const restore = () => Object.assign(res, original);
  const decide = () => {
    if (html !== undefined) return html;
    const headers = head?.find((arg) => typeof arg === 'object' && arg !== null) as Record<string, unknown> | unknown[] | undefined;
    if (Array.isArray(headers)) for (let i = 0; i + 1 < headers.length; i += 2) res.setHeader(String(headers[i]), headers[i + 1] as string);
    else if (headers) for (const [name, value] of Object.entries(headers)) if (value !== undefined) res.setHeader(name, value as string);
    if (head) res.statusCode = head[0] as number;
    // Only a full page: not a 304, a 206 or an already compressed body.
    html = res.statusCode === 200 && /\btext\/html\b/i.test(String(res.getHeader('content-type'))) && !res.getHeader('content-encoding');
    if (!html) restore();
    return html;
  };
  const collect = (chunk: unknown, encoding?: unknown) => {
    if (chunk != null && typeof chunk !== 'function') {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    }
  };
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    head = args;
    return this;
  } as typeof res.writeHead;
  res.write = function (this: ServerResponse, chunk: unknown, encoding?: unknown, callback?: unknown) {
    if (!decide()) return (original.write as (...a: unknown[]) => boolean).call(this, chunk, encoding, callback);
    collect(chunk, encoding);
    const done = [encoding, callback].find((arg) => typeof arg === 'function') as (() => void) | undefined;
    if (done) process.nextTick(done);
    return true;
  } as typeof res.write;
  res.end = function (this: ServerResponse, chunk?: unknown, encoding?: unknown, callback?: unknown) {
    if (!decide()) {
      return (original.end as (...a: unknown[]) => ServerResponse).call(this, chunk, encoding, callback);
    }
    collect(chunk, encoding);
    restore();
    const text = Buffer.concat(chunks).toString('utf8');
    const at = /<head(\s[^>]*)?>/i.exec(text);
    const body = at ? `${text.slice(0, at.index + at[0].length)}\n${tag}${text.slice(at.index + at[0].length)}` : `${tag}\n${text}`;
    if (res.getHeader('content-length') !== undefined) res.setHeader('Content-Length', Buffer.byteLength(body));
    const done = [chunk, encoding, callback].find((arg) => typeof arg === 'function') as (() => void) | undefined;
    return res.end(body, done);
  } as typeof res.end;
}
