// Real redis-server processes that a test can stop and bring back on the same port: a single
// Redis, or a three-master Redis Cluster whose nodes keep their nodes.conf in one directory, so
// that the same nodes restarted on the same ports re-form the same cluster (slots and all).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCommand, restartablePort } from '../../../scripts/system.mjs';

/** redis-server processes on fixed loopback ports, stoppable and restartable. */
export interface RedisNodes {
  ports: number[];
  /** Kills every node (SIGKILL: what a crash looks like to clients). */
  stop(): Promise<void>;
  /** Starts every node again on its port, and resolves once the cluster (if any) says `cluster_state:ok`. */
  start(): Promise<void>;
  /** Stops the nodes and removes their directory. */
  remove(): Promise<void>;
}

const BASE = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];

// Starts one redis-server and resolves once it accepts connections.
async function spawnNode(args: string[], cwd: string): Promise<ChildProcess> {
  const child = spawn(ensureCommand('redis-server', 'redis-server'), args, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${output}`)), 10_000);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)));
    const check = () => (output.includes('Ready to accept connections') ? (clearTimeout(timer), resolve()) : setTimeout(check, 20));
    check();
  });
  return child;
}

function clusterOk(cli: string, ports: number[]): boolean {
  return ports.every((port) => {
    try {
      return execFileSync(cli, ['-p', String(port), 'cluster', 'info'], { encoding: 'utf8' }).includes('cluster_state:ok');
    } catch {
      return false;
    }
  });
}

async function nodes(ports: number[], argsOf: (port: number) => string[], afterStart: () => Promise<void>): Promise<RedisNodes> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-nodes-'));
  let children: ChildProcess[] = [];
  const result: RedisNodes = {
    ports,
    async stop() {
      await Promise.all(
        children.map(async (child) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGKILL');
          await once(child, 'exit');
        }),
      );
      children = [];
    },
    async start() {
      children = await Promise.all(ports.map((port) => spawnNode(argsOf(port), dir)));
      await afterStart();
    },
    async remove() {
      await result.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return result;
}

/** One redis-server on a free loopback port, without persistence. */
export async function singleRedis(): Promise<RedisNodes & { url: string }> {
  const port = await restartablePort();
  const single = await nodes([port], (p) => ['--port', String(p), ...BASE], async () => undefined);
  await single.start();
  return Object.assign(single, { url: `redis://127.0.0.1:${port}` });
}

/**
 * A Redis Cluster of three masters (`redis-server --cluster-enabled yes`, joined with
 * `redis-cli --cluster create ... --cluster-replicas 0 --cluster-yes`) on free loopback ports.
 * `start()` after `stop()` brings the same nodes back from their nodes.conf and waits for
 * `cluster_state:ok` on each (up to 20 s).
 */
export async function redisCluster(): Promise<RedisNodes> {
  const cli = ensureCommand('redis-cli', 'redis-tools');
  const ports: number[] = [];
  for (let i = 0; i < 3; i++) ports.push(await restartablePort());
  let created = false;
  const cluster = await nodes(
    ports,
    (port) => ['--port', String(port), ...BASE, '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'],
    async () => {
      if (!created) {
        execFileSync(cli, ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'pipe', timeout: 30_000 });
        created = true;
      }
      const deadline = Date.now() + 20_000;
      while (!clusterOk(cli, ports)) {
        if (Date.now() > deadline) throw new Error('the Redis Cluster did not reach cluster_state:ok within 20 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  );
  try {
    await cluster.start();
  } catch (error) {
    await cluster.remove();
    throw error;
  }
  return cluster;
}
