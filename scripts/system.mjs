// Real programs that tests and benchmarks need (redis-server, chromium). A test run installs
// nothing: .ci/run (and the README's setup) installs them with apt-get; a missing one is an error
// that names the command installing it.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/**
 * The path of `command` (a name on PATH, or an absolute path). Throws when it is missing, naming the
 * Debian package `pkg` and the apt-get command that installs it.
 */
export function ensureCommand(command, pkg) {
  const path = found(command);
  if (path) return path;
  throw new Error(`${command} is missing: install it with \`apt-get install -y ${pkg}\` (as root; .ci/run does so when it is missing).`);
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

// Starts one redis-server with `args` and resolves once it accepts connections.
async function spawnRedis(args, cwd) {
  const binary = ensureCommand('redis-server', 'redis-server');
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
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
    child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}

const NO_PERSISTENCE = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];

/**
 * Starts Debian's redis-server on a free loopback port (or `port`, to restart one) with no
 * persistence. Resolves with its URL, its port and a stop function (SIGKILL: the way a crash
 * looks to clients) once it accepts connections.
 */
export async function startRedis(port) {
  port ??= await freePort();
  const { stop } = await spawnRedis(['--port', String(port), ...NO_PERSISTENCE]);
  return { url: `redis://127.0.0.1:${port}`, port, stop };
}

async function isFree(port) {
  const probe = createServer().listen(port, '127.0.0.1');
  try {
    await once(probe, 'listening');
    probe.close();
    await once(probe, 'close');
    return true;
  } catch {
    return false;
  }
}

/**
 * A free loopback port below Linux's ephemeral range (32768 and up) whose cluster bus port
 * (port + 10000) is below it and free too: a Redis node stopped and started again on its port must
 * find it free, and a port in the ephemeral range can be taken meanwhile by any outgoing connection.
 */
export async function restartablePort() {
  for (;;) {
    const port = 10_000 + Math.floor(Math.random() * 12_700);
    if ((await isFree(port)) && (await isFree(port + 10_000))) return port;
  }
}

/**
 * Starts a real local Redis Cluster: three masters (`redis-server --cluster-enabled yes`) on
 * free loopback ports, joined with `redis-cli --cluster create ... --cluster-yes`. Resolves once
 * `CLUSTER INFO` says `cluster_state:ok` on every node, with their ports and a stop function.
 */
export async function startRedisCluster() {
  const cli = ensureCommand('redis-cli', 'redis-tools');
  const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
  const ports = [];
  const nodes = [];
  try {
    for (let i = 0; i < 3; i++) {
      const port = await restartablePort();
      ports.push(port);
      nodes.push(await spawnRedis(['--port', String(port), ...NO_PERSISTENCE, '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'], dir));
    }
    execFileSync(cli, ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'pipe', timeout: 30_000 });
    const deadline = Date.now() + 20_000;
    while (!ports.every((p) => execFileSync(cli, ['-p', String(p), 'cluster', 'info'], { encoding: 'utf8' }).includes('cluster_state:ok'))) {
      if (Date.now() > deadline) throw new Error('the Redis Cluster did not reach cluster_state:ok within 20 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    ports,
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
