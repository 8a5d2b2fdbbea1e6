// Real programs that tests and benchmarks need (redis-server, chromium). They are never skipped:
// a missing program is installed from Debian's packages when running as root, or named in the error.
import { execFileSync, execSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';

function found(command) {
  if (command.startsWith('/')) return existsSync(command) ? command : undefined;
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The path of `command`, installing Debian package `pkg` first when it is missing. */
export function ensureCommand(command, pkg) {
  const path = found(command);
  if (path) return path;
  if (process.getuid?.() !== 0) {
    throw new Error(`${command} is missing. Install the Debian package: sudo apt-get install -y ${pkg}`);
  }
  execSync(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkg}`, { stdio: 'inherit', timeout: 900_000 });
  const installed = found(command);
  if (!installed) throw new Error(`apt-get installed ${pkg}, but ${command} is still missing.`);
  return installed;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort() {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  probe.close();
  await once(probe, 'close');
  return port;
}

/**
 * Starts Debian's redis-server on a free loopback port with no persistence. Resolves with its
 * URL and a stop function once it accepts connections.
 */
export async function startRedis() {
  const binary = ensureCommand('redis-server', 'redis-server');
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${output}`)), 10_000);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)));
    const check = () => (output.includes('Ready to accept connections') ? (clearTimeout(timer), resolve()) : setTimeout(check, 20));
    check();
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
