// Tests that need a real program (redis-server, chromium) never skip: a missing program is
// installed from Debian's packages when the tests run as root, or named in the failure.
import { execFileSync, execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function found(command: string): string | undefined {
  if (command.startsWith('/')) return existsSync(command) ? command : undefined;
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The path of `command`, installing Debian package `pkg` first when it is missing. */
export function ensureCommand(command: string, pkg: string): string {
  const path = found(command);
  if (path) return path;
  if (process.getuid?.() !== 0) {
    throw new Error(`${command} is missing. Install the Debian package: sudo apt-get install -y ${pkg}`);
  }
  execSync(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkg}`, { stdio: 'inherit', timeout: 600_000 });
  const installed = found(command);
  if (!installed) throw new Error(`apt-get installed ${pkg}, but ${command} is still missing.`);
  return installed;
}
