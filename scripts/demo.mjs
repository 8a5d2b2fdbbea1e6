// npm run demo: builds dist/ only when a source is newer than it (saying so, with the time it
// took), then starts the example server with the simulator, exactly as
// `node examples/server/server.mjs --demo` does.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// What the bundles are built from.
const SOURCES = ['src', 'rollup.config.mjs', 'tsconfig.json', 'package.json', 'package-lock.json'];
const BUNDLES = ['wechat-share.iife.js', 'wechat-share.mjs', 'server.mjs', 'wechat-simulator.iife.js', 'wechat-simulator.mjs'];

// The newest modification time under `path`, in ms.
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Why dist/ must be built again, or undefined when it is up to date. */
export function staleReason(dir = root) {
  const built = [];
  for (const bundle of BUNDLES) {
    try {
      built.push(statSync(join(dir, 'dist', bundle)).mtimeMs);
    } catch {
      return `dist/${bundle} is missing`;
    }
  }
  const changed = SOURCES.find((source) => newest(join(dir, source)) > Math.min(...built));
  return changed && `${changed} changed since the last build`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const reason = staleReason();
  if (reason) {
    console.log(`Building dist/ (${reason})…`);
    const started = Date.now();
    const build = spawn(process.execPath, [join(root, 'node_modules', 'rollup', 'dist', 'bin', 'rollup'), '-c', '--silent'], { cwd: root, stdio: 'inherit' });
    const [code] = await new Promise((resolve) => build.once('exit', (...args) => resolve(args)));
    if (code !== 0) process.exit(code ?? 1);
    console.log(`Built in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  } else {
    console.log('dist/ is up to date: no build needed.');
  }
  const { main } = await import(join(root, 'examples', 'server', 'server.mjs'));
  await main(['--demo']);
}
