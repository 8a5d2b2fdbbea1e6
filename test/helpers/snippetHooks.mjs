// Module hooks for snippetPreload.mjs: `wechat-share/dev` (and `wechat-share/server`, which still
// offers the deprecated name), imported by a snippet, is the packed package itself, with
// createFakeWechatApi wrapped to record each fake it makes.
const PREFIX = 'snippet-fakes:';

export async function resolve(specifier, context, nextResolve) {
  if ((specifier === 'wechat-share/dev' || specifier === 'wechat-share/server') && !context.parentURL?.startsWith(PREFIX)) {
    const real = await nextResolve(specifier, context);
    if (real.format === 'module' || real.url.endsWith('.mjs')) return { url: `${PREFIX}${real.url}`, shortCircuit: true };
    return real;
  }
  if (context.parentURL?.startsWith(PREFIX) && specifier.startsWith('file:')) return { url: specifier, shortCircuit: true };
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith(PREFIX)) return nextLoad(url, context);
  const real = JSON.stringify(url.slice(PREFIX.length));
  const source = `import * as real from ${real};
export * from ${real};
export function createFakeWechatApi(options) {
  const fake = real.createFakeWechatApi(options);
  (globalThis.__snippetFakes ??= []).push(fake);
  return fake;
}
`;
  return { format: 'module', source, shortCircuit: true };
}
