// The service as the container starts it: `node dist/cli.js`, a child process with only the
// environment given here (no inherited WECHAT_*), its JSON log lines collected.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

export interface ServiceProcess {
  child: ChildProcess;
  /** http://127.0.0.1:<PORT> */
  publicUrl: string;
  /** http://127.0.0.1:<INTERNAL_PORT> */
  internalUrl: string;
  /** Every JSON line so far. */
  logs: LogLine[];
  /** Resolves with the first log line that `match` accepts, waiting up to 5 s for it (stdout arrives after the answer). */
  waitForLog(match: (line: LogLine) => boolean): Promise<LogLine>;
  /** Everything written to stdout and stderr, as text. */
  output: () => string;
  /** Resolves with how the process ended, once its output is all read. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the CLI with `env` and `args`; resolves with how it ended and what it wrote (for configurations that must fail). */
export function runCli(env: Record<string, string>, args: string[] = [], cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the CLI did not exit within 10 s:\n${stdout}${stderr}`));
    }, 10_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Starts the service with `env` (PORT and INTERNAL_PORT default to 0: free ports, read back from
 * the start line) and resolves once it listens. Rejects with its output if it exits first.
 */
export function startServiceProcess(env: Record<string, string>, options: { command?: string[]; cwd?: string } = {}): Promise<ServiceProcess> {
  const [command, ...args] = options.command ?? [process.execPath, CLI];
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', INTERNAL_PORT: '0', ...env },
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let text = '';
  let pending = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the service did not listen within 20 s:\n${text}`));
    }, 20_000);
    child.stderr!.on('data', (chunk) => (text += chunk));
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        let entry: LogLine;
        try {
          entry = JSON.parse(line) as LogLine;
        } catch {
          continue;
        }
        logs.push(entry);
        if (entry.msg === 'wechat-share-service listening') {
          clearTimeout(timer);
          const port = (key: string) => String(entry[key]).split(':').pop();
          resolve({
            child,
            publicUrl: `http://127.0.0.1:${port('public')}`,
            internalUrl: `http://127.0.0.1:${port('internal')}`,
            logs,
            output: () => text,
            async waitForLog(match) {
              const deadline = Date.now() + 5000;
              for (;;) {
                const found = logs.find(match);
                if (found) return found;
                if (Date.now() > deadline) throw new Error(`no such log line within 5 s:\n${text}`);
                await new Promise((wait) => setTimeout(wait, 20));
              }
            },
            exited,
            async stop() {
              if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
              return exited;
            },
          });
        }
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the service exited (${code ?? signal}) before listening:\n${text}`));
    });
  });
}
