import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

const ts = (target) => typescript({ tsconfig: './tsconfig.json', declaration: false, declarationMap: false, outDir: 'dist', ...(target && { target }) });
// The page state's fields (src/lib/pageState.ts, readPage's snapshot, and `share` and `result` of the
// early start and of applyShare's request) are named for readers; in the IIFE terser may shorten
// them, since nothing outside the bundle reads them. The list is explicit so that no DOM
// or user-facing property can be caught.
const PAGE_STATE_FIELDS = /^(defaults|queue|jweixinLoading|hookedWx|configErrorListener|signatures|stopAuto|early|share|result|latest|openTagsErrorHandler|verifiedUrl|checksOtherUrl|reportedEntry|entryHref|currentUrl|inWechat|ios|harmony|wechatVersion|inMiniProgram)$/;
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
// Every bundle is self-contained: only node: builtins stay imports (the server entry).
const external = (id) => id.startsWith('node:');

/** ESM + CJS (+ optional minified IIFE) + bundled .d.ts/.d.cts for one entry. */
function entry(input, name, iife, target) {
  const configs = [
    {
      input,
      external,
      plugins: [ts(target)],
      output: [
        { file: `dist/${name}.mjs`, format: 'es' },
        { file: `dist/${name}.cjs`, format: 'cjs', exports: 'named' },
      ],
    },
    {
      input,
      external,
      plugins: [dts({ tsconfig: './tsconfig.json' })],
      output: [
        { file: `dist/${name}.d.ts`, format: 'es' },
        { file: `dist/${name}.d.cts`, format: 'es' },
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

// wechat-share/vite imports the server entry's bundle rather than a copy of it (one
// WechatApiError class, one fake WeChat API); `vite` is the user's own, for types only.
const viteExternal = (id) => external(id) || id === 'vite' || id === '../../server';
// Rollup hands `paths` the resolved id of the relative import.
const toServer = (file) => (id) => (id === '../../server' || /[\\/]src[\\/]server$/.test(id) ? file : id);
const viteEntry = [
  {
    input: 'src/dev/vite/index.ts',
    external: viteExternal,
    plugins: [ts()],
    output: [
      { file: 'dist/vite.mjs', format: 'es', paths: toServer('./server.mjs') },
      { file: 'dist/vite.cjs', format: 'cjs', exports: 'named', paths: toServer('./server.cjs') },
    ],
  },
  {
    input: 'src/dev/vite/index.ts',
    external: viteExternal,
    plugins: [dts({ tsconfig: './tsconfig.json' })],
    output: [
      { file: 'dist/vite.d.ts', format: 'es', paths: toServer('./server.js') },
      { file: 'dist/vite.d.cts', format: 'es', paths: toServer('./server.cjs') },
    ],
  },
];

export default [
  ...entry('src/index.ts', 'wechat-share', { input: 'src/iife.ts', global: 'WechatShare', mangleProps: PAGE_STATE_FIELDS }),
  ...entry('src/server/index.ts', 'server'),
  ...entry('src/simulator/index.ts', 'wechat-simulator'),
  ...viteEntry,
  // The Mini Program runtime: plain ES2015.
  ...entry('src/miniprogram/index.ts', 'miniprogram', undefined, 'ES2015'),
  {
    input: 'src/simulator/iife.ts',
    plugins: [ts()],
    output: { file: 'dist/wechat-simulator.iife.js', format: 'iife', name: 'WechatSimulator', plugins: [min()] },
  },
];
