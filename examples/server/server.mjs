// The example backend: the signing endpoint at /api/wechat/signature, the examples, and the
// built bundles. `npm run demo` starts it with a simulated WeChat client in every example page.
//
// Environment: WECHAT_APP_ID, WECHAT_APP_SECRET (without them: a fake WeChat API in this
// process), WECOM_CORP_ID, WECOM_CORP_SECRET, WECOM_AGENT_ID (pages inside WeCom, which ask with
// platform=wecom; without the first two: a fake WeCom API in this process), REDIS_URL (optional: token and ticket shared through Redis), ALLOWED_HOSTS and
// ALLOWED_ORIGINS (comma-separated), JS_SAFE_DOMAINS (for the simulator's verifier), PORT
// (default 8080), HOST (default 127.0.0.1).
import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  createSignatureHandler,
  createSigner,
  createWecomSigner,
  memoryStore,
  redisStore,
  signatureScript,
  toNodeHandler,
} from 'wechat-share/server';
import { createFakeWechatApi, createFakeWecomApi, createVerifyHandler } from 'wechat-share/dev';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.png': 'image/png', '.svg': 'image/svg+xml', '.json': 'application/json' };
const DEMO_APP = { appId: 'wx_demo_app_id', appSecret: 'demo_app_secret' };
// The demo corp and app for WeCom (the same as the dev middleware's and the simulator's).
const DEMO_WECOM = { corpId: 'ww0000000000demo0', agentId: 1000002, corpSecret: 'demo_wecom_corp_secret' };
// Sent with every answer. The CSP allows this server's own scripts, the inline scripts of the
// page being served (by hash), and jweixin from its two official hosts.
const SECURITY_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'strict-origin-when-cross-origin' };
const contentSecurityPolicy = (inlineScriptHashes = []) =>
  [
    "default-src 'self'",
    `script-src 'self' https://res.wx.qq.com https://res2.wx.qq.com${inlineScriptHashes.map((h) => ` '${h}'`).join('')}`,
    // The simulator's panel styles its Shadow DOM with a <style> element.
    "style-src 'self' 'unsafe-inline'",
    // Share thumbnails may live on any https host.
    "img-src 'self' data: https:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
const inlineScriptHashes = (html) =>
  [...html.matchAll(/<script\b(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)].map(([, code]) => `sha256-${createHash('sha256').update(code).digest('base64')}`);
const plain = (res, status, text) => {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
};
// The page's URL as the browser's location.href has it, which is what the SDK signs: the Host
// header as URL serializes it (`H5.Example.com:443` is `h5.example.com`), and https when the
// proxy in front says so. X-Forwarded-Proto may list one value per proxy (`https, http`): the
// first is the one the browser used. Throws when the Host header or the request target cannot
// make a URL.
export function pageUrlOf(req) {
  const proto = String(req.headers['x-forwarded-proto'] ?? '').split(',')[0].trim().toLowerCase() === 'https' ? 'https' : 'http';
  if (!req.url?.startsWith('/')) throw new TypeError('Not a path: no page URL.');
  return new URL(`${proto}://${req.headers.host}${req.url}`).href;
}
const list = (value) => (value ? value.split(',').map((s) => s.trim()).filter(Boolean) : undefined);

/** Options of startServer, as read from the environment by optionsFromEnv. */
export function optionsFromEnv(env = process.env, argv = process.argv.slice(2)) {
  const demo = argv.includes('--demo');
  return {
    appId: env.WECHAT_APP_ID,
    appSecret: env.WECHAT_APP_SECRET,
    wecomCorpId: env.WECOM_CORP_ID,
    wecomCorpSecret: env.WECOM_CORP_SECRET,
    wecomAgentId: env.WECOM_AGENT_ID ? Number(env.WECOM_AGENT_ID) : undefined,
    redisUrl: env.REDIS_URL,
    allowedHosts: list(env.ALLOWED_HOSTS),
    allowedOrigins: list(env.ALLOWED_ORIGINS),
    jsSafeDomains: list(env.JS_SAFE_DOMAINS),
    port: Number(env.PORT ?? 8080),
    host: env.HOST ?? '127.0.0.1',
    // The simulated WeChat client and its verify endpoint: on in the demo, off unless asked for.
    simulator: demo || env.WECHAT_SHARE_SIMULATOR === '1',
    // The demo runs offline: jweixin from the npm copy instead of res.wx.qq.com.
    localJweixin: demo,
  };
}

/**
 * Starts the server. Resolves with { url, port, close, signer, fakeApi, wecomSigner, fakeWecomApi } once it listens.
 * Without appId and appSecret it signs through an in-process fake of the WeChat API; pages inside
 * WeCom (platform=wecom) are signed for wecomCorpId with wecomCorpSecret (and wecomAgentId), or
 * without them through an in-process fake WeCom API (corpId ww0000000000demo0, agentId 1000002).
 * `fixturesDir` (benchmarks) serves that folder at /fixtures/; `log` receives warnings (Redis
 * drops, the signer's onError events; default console.warn); `headersTimeout` and
 * `requestTimeout` (ms, default 10 s and 15 s) cut off slow clients. `inlineSimulator` (benchmarks)
 * puts the simulator's script into the page instead of a `<script src>`: a WeChat client's bridge
 * is there before the page's first script, and costs the page no request. `embedSignature: false` leaves
 * the signature out of the example pages (they then ask the endpoint). `jweixinVersion` ('1.4.0'
 * by default, or '1.6.0') is the jweixin every page loads (the open-tags page always 1.6.0): the
 * script tags get `data-jweixin`, and the SPA's import map a module that calls
 * `configure({ jweixinVersion })` before the app uses the SDK, so the same pages run on either.
 */
export async function startServer(options) {
  const fake = options.appId && options.appSecret ? undefined : createFakeWechatApi({ ...DEMO_APP, latency: options.fakeLatency ?? 50 });
  const appId = fake ? DEMO_APP.appId : options.appId;
  const log = options.log ?? ((line) => console.warn(line));
  let store = memoryStore();
  let redis;
  if (options.redisUrl) {
    const { createClient } = await import('redis');
    redis = createClient({ url: options.redisUrl });
    // Without an 'error' listener a Redis drop would end this process. The client reconnects by
    // itself, and the signer serves from memory (or WeChat) meanwhile.
    let reported = false;
    redis.on('error', (error) => {
      if (!reported) log(`[redis] ${error.message || error.code || 'connection error'}: signing goes on from memory until Redis is back.`);
      reported = true;
    });
    redis.on('ready', () => {
      if (reported) log('[redis] connected again.');
      reported = false;
    });
    await redis.connect();
    store = redisStore(redis);
  }
  const signer = createSigner({
    appId,
    appSecret: fake ? DEMO_APP.appSecret : options.appSecret,
    store,
    // Redacted by the signer: no appSecret, access_token or jsapi_ticket reaches this log.
    onError: (event) => log(`[wechat-share] ${event.api} failed after ${event.durationMs} ms: ${event.message}`),
    // The fake answers in this process; nothing leaves the machine.
    ...(fake && { fetch: (url, init) => fake.handle(new Request(url, init)) }),
  });

  const fakeWecom =
    options.wecomCorpId && options.wecomCorpSecret
      ? undefined
      : createFakeWecomApi({ corpId: DEMO_WECOM.corpId, apps: [{ agentId: DEMO_WECOM.agentId, secret: DEMO_WECOM.corpSecret }], latency: options.fakeLatency ?? 50 });
  const wecomSigner = createWecomSigner({
    corpId: fakeWecom ? DEMO_WECOM.corpId : options.wecomCorpId,
    corpSecret: fakeWecom ? DEMO_WECOM.corpSecret : options.wecomCorpSecret,
    agentId: fakeWecom ? DEMO_WECOM.agentId : options.wecomAgentId,
    store,
    onError: (event) => log(`[wechat-share] WeCom ${event.api} failed after ${event.durationMs} ms: ${event.message}`),
    ...(fakeWecom && { fetch: (url, init) => fakeWecom.handle(new Request(url, init)) }),
  });

  // What each signature was issued for, so the verifier can say "signed X, but WeChat checked Y".
  const issued = new Map();
  const remember = (signature, url) => {
    issued.set(signature, url);
    if (issued.size > 1000) issued.delete(issued.keys().next().value);
  };
  const recordingSigner = {
    ...signer,
    async sign(url) {
      const result = await signer.sign(url);
      remember(result.signature, result.url);
      return result;
    },
  };
  const recordingWecomSigner = {
    ...wecomSigner,
    corpId: wecomSigner.corpId,
    agentId: wecomSigner.agentId,
    async sign(url) {
      const result = await wecomSigner.sign(url);
      remember(result.signature, result.url);
      if (result.agentSignature) remember(result.agentSignature.signature, result.url);
      return result;
    },
  };
  const signatureHandler = createSignatureHandler(
    { signer: recordingSigner, wecomSigner: recordingWecomSigner },
    { allowedHosts: options.allowedHosts, allowedOrigins: options.allowedOrigins },
  );
  const signature = toNodeHandler(signatureHandler);
  // A page's own signature, put into its HTML: the SDK then configures WeChat with no signing
  // request (on iOS, for the whole session). Asked of the signing endpoint itself, so that its
  // checks (allowed hosts, the URL's form) apply; on any failure the page signs as usual.
  async function embeddedSignature(req) {
    try {
      const pageUrl = pageUrlOf(req);
      const response = await signatureHandler(new Request(`${new URL(pageUrl).origin}/api/wechat/signature?url=${encodeURIComponent(pageUrl)}`));
      return response.ok ? signatureScript({ ...(await response.json()), url: pageUrl }) : '';
    } catch {
      return '';
    }
  }
  // The jweixin a page loads: 1.6.0 for the open-tags page (open tags need it), else the chosen one.
  const jweixinVersion = options.jweixinVersion ?? '1.4.0';
  if (!['1.4.0', '1.6.0'].includes(jweixinVersion)) throw new TypeError(`jweixinVersion must be '1.4.0' or '1.6.0', not ${JSON.stringify(jweixinVersion)}.`);
  const jweixinVersionOf = (path) => (path === '/open-tags' || path.startsWith('/open-tags/') ? '1.6.0' : jweixinVersion);
  // The SDK's module as the SPA imports it, configured for that jweixin first (1.4.0 needs nothing).
  const SDK_MODULE = '/dist/wechat-share.mjs';
  const CONFIGURED_SDK_MODULE = `/__wechat-share/wechat-share-jweixin-${jweixinVersion}.mjs`;
  const configuredSdkModule = `import { configure } from '${SDK_MODULE}';\nconfigure({ jweixinVersion: '${jweixinVersion}' });\nexport * from '${SDK_MODULE}';\n`;
  // A page made to load `version`: its SDK script tags say so (unless they name one), and its
  // import map points at the configured module.
  const withJweixin = (html, version) =>
    version === '1.4.0'
      ? html
      : html
          .replace(/<script src="\/dist\/wechat-share\.iife\.js"(?![^>]*\bdata-jweixin=)/g, `$& data-jweixin="${version}"`)
          .replace(`"wechat-share": "${SDK_MODULE}"`, `"wechat-share": "${CONFIGURED_SDK_MODULE}"`);
  // jweixin asked for as early as the HTML is parsed (the SDK reuses the preloaded response).
  const jweixinPreload = (version) =>
    options.localJweixin ? '' : `<link rel="preload" as="script" href="https://res.wx.qq.com/open/js/jweixin-${version}.js">`;
  // Dev only: created only when the simulator is on (it refuses to exist under NODE_ENV=production).
  const verify =
    options.simulator &&
    toNodeHandler(
      createVerifyHandler({
        appId,
        signer,
        // allowedHosts' "*.example.com" is the JS safe domain "example.com" (which covers subdomains).
        jsSafeDomains: options.jsSafeDomains ?? options.allowedHosts?.map((host) => host.replace(/^\*\./, '')),
        // The simulated WeCom client's corp and agent signatures, checked with this app's tickets.
        wecom: { corpId: wecomSigner.corpId, agentId: wecomSigner.agentId, signer: wecomSigner },
        signedUrlOf: (s) => issued.get(s),
      }),
    );

  const require = createRequire(import.meta.url);
  const resolveOrNot = (id) => {
    try {
      return require.resolve(id);
    } catch {
      return undefined;
    }
  };
  // The npm copies: weixin-js-sdk@1.4.0-test, and 1.6.0 under the alias this repository installs.
  const jweixinPaths = { '1.4.0': resolveOrNot('weixin-js-sdk/index.original.js'), '1.6.0': resolveOrNot('jweixin-1.6.0/index.original.js') };
  // And Tencent's WeCom JS-SDK, for the simulator playing WeCom offline (this repository's devDependency).
  const wecomSdkPath = resolveOrNot('@wecom/jssdk/dist/wecom.global.prod.js');

  // `dir` is the folder `file` must stay in (after symlinks are resolved); undefined: trusted path.
  async function serveFile(res, file, inject, dir, version = '1.4.0') {
    try {
      const real = await realpath(file);
      if (dir && !real.startsWith((await realpath(dir)) + sep)) throw new Error('outside its folder');
      if (!(await stat(real)).isFile()) throw new Error('not a file');
    } catch {
      return plain(res, 404, 'Not found');
    }
    let body = await readFile(file);
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    const headers = { 'Content-Type': type, 'Cache-Control': 'no-cache' };
    if (type.startsWith('text/html')) {
      let html = String(body);
      // A function, so that no `$` in the injected code (a minified script may hold `$&` or `$'`) is read as a pattern.
      if (inject) html = html.replace(/<head>/i, () => `<head>\n${inject}`);
      html = withJweixin(html, version);
      headers['Content-Security-Policy'] = contentSecurityPolicy(inlineScriptHashes(html));
      body = Buffer.from(html);
    }
    res.writeHead(200, headers);
    res.end(body);
  }

  // The simulator's build, read once, for pages that carry it inline (`inlineSimulator`); `<\/`
  // keeps any `</script>` in its strings from closing the tag.
  let simulatorSource;
  const inlineSimulator = () => (simulatorSource ??= readFileSync(join(root, 'dist', 'wechat-simulator.iife.js'), 'utf8').replace(/<\//g, '<\\/'));
  const simulatorTags = (version) =>
    [
      options.simulator &&
        (options.inlineSimulator
          ? `<script data-verify="/__wechat-share/verify">${inlineSimulator()}</script>`
          : '<script src="/dist/wechat-simulator.iife.js" data-verify="/__wechat-share/verify"></script>'),
      // jweixin, or, when the simulator plays WeCom (its user agent, set by the tag above), Tencent's
      // WeCom JS-SDK: window.wx or window.ww is there for the SDK, which takes it instead of loading it.
      options.simulator && options.localJweixin &&
        (wecomSdkPath
          ? `<script>document.write(/wxwork\\//i.test(navigator.userAgent) ? '<script src="/vendor/wecom-jssdk-2.4.0.js"><\\/script>' : '<script src="/vendor/jweixin-${version}.js"><\\/script>')</script>`
          : `<script src="/vendor/jweixin-${version}.js"></script>`),
    ].filter(Boolean).join('\n');

  // A client that sends its headers or body slowly is cut off instead of holding a socket.
  const requestTimeout = options.requestTimeout ?? 15_000;
  const timeouts = {
    requestTimeout,
    headersTimeout: Math.min(options.headersTimeout ?? 10_000, requestTimeout),
    connectionsCheckingInterval: Math.min(requestTimeout, 1000),
  };
  const server = createServer(timeouts, (req, res) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    res.setHeader('Content-Security-Policy', contentSecurityPolicy());
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return plain(res, 400, 'Bad path');
    }
    if (path === '/api/wechat/signature') return signature(req, res);
    // No icon: answered empty rather than with a 404 in every browser console.
    if (path === '/favicon.ico') {
      res.writeHead(204, { 'Cache-Control': 'max-age=86400' });
      return res.end();
    }
    if (path === '/__wechat-share/verify' && verify) return verify(req, res);
    const vendored = /^\/vendor\/jweixin-(1\.4\.0|1\.6\.0)\.js$/.exec(path);
    if (vendored && jweixinPaths[vendored[1]]) return serveFile(res, jweixinPaths[vendored[1]]);
    if (path === '/vendor/wecom-jssdk-2.4.0.js' && wecomSdkPath) return serveFile(res, wecomSdkPath);
    if (path === CONFIGURED_SDK_MODULE && jweixinVersion !== '1.4.0') {
      res.writeHead(200, { 'Content-Type': TYPES['.mjs'], 'Cache-Control': 'no-cache' });
      return res.end(configuredSdkModule);
    }
    // A file under `dir`, or undefined when `rest` tries to leave it (../); serveFile checks
    // the same after resolving symlinks.
    let folder;
    const inside = (dir, rest) => {
      const base = resolve(dir);
      const file = resolve(base, `.${sep}${rest}`);
      folder = base;
      return file.startsWith(base + sep) ? file : undefined;
    };
    let file;
    if (path === '/') file = join(root, 'examples', 'index.html');
    else if (path.startsWith('/dist/')) file = inside(join(root, 'dist'), path.slice(6));
    else if (path.startsWith('/assets/')) file = inside(join(root, 'examples', 'assets'), path.slice(8));
    else if (path === '/h5' || path.startsWith('/h5/')) file = join(root, 'examples', 'h5', 'index.html');
    else if (options.fixturesDir && path.startsWith('/fixtures/')) file = inside(options.fixturesDir, path.slice(10));
    else if (path === '/spa/app.js') file = join(root, 'examples', 'spa', 'app.js');
    else if (path === '/auto/app.js') file = join(root, 'examples', 'auto', 'app.js');
    else if (path === '/auto' || path.startsWith('/auto/')) file = join(root, 'examples', 'auto', 'index.html');
    else if (path === '/open-tags' || path.startsWith('/open-tags/')) file = join(root, 'examples', 'open-tags', 'index.html');
    // History routing: every other /spa/ path is the app's page.
    else if (path === '/spa' || path.startsWith('/spa/')) file = join(root, 'examples', 'spa', 'index.html');
    if (!file) {
      return plain(res, 404, 'Not found');
    }
    // Pages (not the index), opened in WeChat, get their signature and the jweixin preload in <head>
    // (elsewhere the SDK loads nothing, and neither should the page).
    const byUserAgent = file.endsWith('.html') && path !== '/' && options.embedSignature !== false;
    // Each answer says it depends on the user agent, so that no cache hands WeChat's page (with
    // its signature) to a browser, or a browser's page to WeChat.
    if (byUserAgent) res.setHeader('Vary', 'User-Agent');
    // WeCom's user agent has MicroMessenger too, but its pages sign with WeCom's tickets
    // (platform=wecom): they get no embedded WeChat signature, and ask the endpoint.
    const userAgent = req.headers['user-agent'] ?? '';
    const isPage = byUserAgent && /MicroMessenger/i.test(userAgent) && !/wxwork\//i.test(userAgent);
    (isPage ? embeddedSignature(req) : Promise.resolve(''))
      .then((signatureTag) => {
        const version = jweixinVersionOf(path);
        return serveFile(res, file, [simulatorTags(version), isPage && jweixinPreload(version), signatureTag].filter(Boolean).join('\n'), folder, version);
      })
      .catch(() => res.end());
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address();
  return {
    url: `http://${options.host === '0.0.0.0' ? 'localhost' : options.host === '127.0.0.1' ? 'localhost' : options.host}:${port}/`,
    port,
    signer,
    fakeApi: fake,
    wecomSigner,
    fakeWecomApi: fakeWecom,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await redis?.quit();
    },
  };
}

/** Runs the server as a program: options from the environment and `argv`, startup lines, signals. */
export async function main(argv = process.argv.slice(2)) {
  const options = optionsFromEnv(process.env, argv);
  if (!options.allowedHosts && !options.simulator) {
    console.warn('Warning: ALLOWED_HOSTS is not set, so this server signs pages of any host. Set it to your JS safe domain, such as ALLOWED_HOSTS=h5.example.com.');
  }
  const running = await startServer(options).catch((error) => {
    console.error(
      error.code === 'EADDRINUSE'
        ? `Could not start: port ${options.port} is in use. Set another one, such as PORT=8081 npm run demo.`
        : `Could not start: ${error.message}`,
    );
    process.exit(1);
  });
  console.log(running.fakeApi
    ? `No WECHAT_APP_ID/WECHAT_APP_SECRET: signing with an in-process fake WeChat API (appId ${DEMO_APP.appId}).`
    : `Signing for appId ${options.appId} with the WeChat API${options.redisUrl ? ', token and ticket in Redis' : ''}.`);
  console.log(running.fakeWecomApi
    ? `No WECOM_CORP_ID/WECOM_CORP_SECRET: pages inside WeCom (platform=wecom) sign with an in-process fake WeCom API (corpId ${DEMO_WECOM.corpId}, agentId ${DEMO_WECOM.agentId}).`
    : `Pages inside WeCom sign for corpId ${options.wecomCorpId}${options.wecomAgentId ? `, agentId ${options.wecomAgentId}` : ''} with the WeCom API.`);
  if (options.simulator) console.log('Simulated WeChat client: on (verify endpoint /__wechat-share/verify).');
  console.log(`\nOpen ${running.url}  (H5: ${running.url}h5/  SPA: ${running.url}spa/)\nSigning endpoint: ${running.url}api/wechat/signature?url=…\n`);
  const stop = () => running.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
