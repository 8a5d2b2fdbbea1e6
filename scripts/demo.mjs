// npm run demo: builds dist/ only when what it is built from changed since the last build (saying
// so, with the time it took), then starts the example server with the simulator, exactly as
// `node examples/server/server.mjs --demo` does.
//
// "Changed" is by content: every build records a hash of its sources in dist/ (`--stamp`, run by
// `npm run build` and here), and the demo compares hashes. Modification times mislead: `npm
// install` rewrites package-lock.json with the same content, and a rebuild then cost 45 seconds.
// A dist/ built before stamps existed is judged by modification times once, then stamped.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// What the bundles are built from.
const SOURCES = ['src', 'rollup.config.mjs', 'tsconfig.json', 'package.json', 'package-lock.json'];
const BUNDLES = ['wechat-share.iife.js', 'wechat-share.mjs', 'server.mjs', 'wechat-simulator.iife.js', 'wechat-simulator.mjs'];
/** The file in dist/ holding the hash of the sources it was built from. */
export const STAMP = '.sources-sha256';

// Every file under `path` (a file or a folder), sorted, relative to `dir`.
function files(dir, path) {
  const full = join(dir, path);
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full).sort().flatMap((name) => files(dir, join(path, name)));
}

/** Each source's SHA-256 (of its files' names and contents) under `dir`, one `hash source` line each. */
export function sourcesHash(dir = root) {
  return SOURCES.map((source) => {
    const hash = createHash('sha256');
    for (const file of files(dir, source)) hash.update(`${file}\0`).update(readFileSync(join(dir, file))).update('\0');
    return `${hash.digest('hex')} ${source}\n`;
  }).join('');
}

/** Records in dist/ that it is built from the sources as they are now. */
export function writeStamp(dir = root) {
  writeFileSync(join(dir, 'dist', STAMP), sourcesHash(dir));
}

// The newest modification time under `path`, in ms.
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Why dist/ must be built again, or undefined when it is up to date (a stampless one is stamped). */
export function staleReason(dir = root) {
  const built = [];
  for (const bundle of BUNDLES) {
    try {
      built.push(statSync(join(dir, 'dist', bundle)).mtimeMs);
    } catch {
      return `dist/${bundle} is missing`;
    }
  }
  let stamp;
  try {
    stamp = readFileSync(join(dir, 'dist', STAMP), 'utf8');
  } catch {
    const changed = SOURCES.find((source) => newest(join(dir, source)) > Math.min(...built));
    if (changed) return `${changed} changed since the last build`;
    writeStamp(dir);
    return undefined;
  }
  const now = sourcesHash(dir).split('\n');
  const changed = SOURCES.find((source, i) => !stamp.split('\n').includes(now[i]));
  return changed && `${changed} changed since the last build`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--stamp')) {
    writeStamp();
    process.exit(0);
  }
  const reason = staleReason();
  if (reason) {
    console.log(`Building dist/ (${reason})…`);
    const started = Date.now();
    const build = spawn(process.execPath, [join(root, 'node_modules', 'rollup', 'dist', 'bin', 'rollup'), '-c', '--silent'], { cwd: root, stdio: 'inherit' });
    const [code] = await new Promise((resolve) => build.once('exit', (...args) => resolve(args)));
    if (code !== 0) process.exit(code ?? 1);
    writeStamp();
    console.log(`Built in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  } else {
    console.log('dist/ is up to date: no build needed.');
  }
  const { main } = await import(join(root, 'examples', 'server', 'server.mjs'));
  await main(['--demo']);
}
