import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

const ts = (target) => typescript({ tsconfig: './tsconfig.json', declaration: false, declarationMap: false, outDir: 'dist', ...(target && { target }) });
// The page state's fields (src/lib/pageState.ts, readPage's snapshot, and `share` and `result` of the
// early start and of applyShare's request) are named for readers; in the IIFE terser may shorten
// them, since nothing outside the bundle reads them. The list is explicit so that no DOM
// or user-facing property can be caught.
const PAGE_STATE_FIELDS = /^(defaults|queue|jweixinLoading|hookedWx|configErrorListener|signatures|stopAuto|early|share|result|latest|openTagsErrorHandler|verifiedUrl|checksOtherUrl|reportedEntry|entryHref|currentUrl|inWechat|ios|harmony|wechatVersion|inMiniProgram|wecom|wwLoading|wecomOptions|wecomApp)$/;
// The SDK's script build is size-budgeted (scripts/size.mjs): hoist_funs, unsafe_arrows (function
// expressions that use neither `this` nor `arguments` become arrows; the SDK calls none with `new`)
// and unsafe_comps (its comparisons are of strings and numbers only) each measured smaller
// min+gzip there, as did passes: 4 and inline: 1 (only simple functions inlined). unsafe, in this
// code, writes `new Error(m)` as `Error(m)` (the same by the spec), `String(v)` as `v + ""` and a
// one-value template as `"…" + v`. These differ only for an object whose valueOf is not itself
// (none here: the values are strings, Errors, jweixin's results, parsed JSON, a function) and for a
// Symbol, which String() names and `+ ""` throws on (only a `sign` answering a Symbol timestamp:
// the call still rejects, with INVALID_OPTIONS). Measured 5 B smaller. The simulator's build keeps the plain options.
const SDK_COMPRESS = { passes: 4, hoist_funs: true, unsafe: true, unsafe_arrows: true, unsafe_comps: true, inline: 1 };
const min = (mangleProps) =>
  terser({ ecma: 2020, compress: mangleProps ? SDK_COMPRESS : { passes: 3 }, mangle: mangleProps ? { properties: { regex: mangleProps, builtins: true } } : true, format: { comments: false } });
// Every bundle is self-contained: only node: builtins stay imports, and the entries linked below.
const external = (id) => id.startsWith('node:');

// Entries that import another entry's bundle rather than a copy of it: wechat-share/dev uses the
// server entry's functions (one WechatApiError class, one signer), wechat-share/server re-exports
// the dev tools' deprecated names from dist/dev.*, and wechat-share/vite imports wechat-share/dev (and the server entry's bootSnippet).
// Each link is the import as written (`id`) and the file it names (`file`, as Rollup resolves it).
const SERVER = { id: '../server/index', file: /[\\/]src[\\/]server[\\/]index(\.ts)?$/, bundle: 'server' };
const DEV = { id: '../dev/index', file: /[\\/]src[\\/]dev[\\/]index(\.ts)?$/, bundle: 'dev' };
const linkOf = (links, id) => links.find((link) => id === link.id || link.file.test(id));

/**
 * ESM + CJS (+ optional minified IIFE) + bundled .d.ts/.d.cts for one entry. `links` are the
 * other entries it imports (see SERVER), `own` the packages it leaves to the user (vite).
 */
function entry(input, name, { iife, target, links = [], own = [] } = {}) {
  const linked = (id) => external(id) || own.includes(id) || linkOf(links, id) !== undefined;
  // The bundle a link imports: `./server.mjs` from ESM, `./server.cjs` from CJS, `./server.js` (its .d.ts) from types.
  const paths = (extension) => (id) => {
    const link = linkOf(links, id);
    return link ? `./${link.bundle}${extension}` : id;
  };
  const configs = [
    {
      input,
      external: linked,
      plugins: [ts(target)],
      output: [
        { file: `dist/${name}.mjs`, format: 'es', paths: paths('.mjs') },
        { file: `dist/${name}.cjs`, format: 'cjs', exports: 'named', paths: paths('.cjs') },
      ],
    },
    {
      input,
      external: linked,
      plugins: [dts({ tsconfig: './tsconfig.json' })],
      output: [
        { file: `dist/${name}.d.ts`, format: 'es', paths: paths('.js') },
        { file: `dist/${name}.d.cts`, format: 'es', paths: paths('.cjs') },
      ],
    },
  ];
  if (iife) {
    configs.push({
      input: iife.input,
      plugins: [ts()],
      output: { file: `dist/${name}.iife.js`, format: 'iife', name: iife.global, plugins: [min(iife.mangleProps)] },
    });
  }
  return configs;
}

export default [
  ...entry('src/index.ts', 'wechat-share', { iife: { input: 'src/iife.ts', global: 'WechatShare', mangleProps: PAGE_STATE_FIELDS } }),
  ...entry('src/entries/server.ts', 'server', { links: [DEV] }),
  ...entry('src/dev/index.ts', 'dev', { links: [SERVER] }),
  ...entry('src/simulator/index.ts', 'wechat-simulator'),
  // `vite` is the user's own, for types only.
  ...entry('src/dev/vite/index.ts', 'vite', { links: [{ ...DEV, id: '../index' }, { ...SERVER, id: '../../server/index' }], own: ['vite'] }),
  // The Mini Program runtime: plain ES2015.
  ...entry('src/miniprogram/index.ts', 'miniprogram', { target: 'ES2015' }),
  {
    input: 'src/simulator/iife.ts',
    plugins: [ts()],
    output: { file: 'dist/wechat-simulator.iife.js', format: 'iife', name: 'WechatSimulator', plugins: [min()] },
  },
];
