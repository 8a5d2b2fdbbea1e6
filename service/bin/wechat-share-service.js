#!/usr/bin/env node
// The command npm links. Committed (dist/ is built later), because npm links a bin only if its
// file exists at install time: with "bin": "./dist/cli.js", `npm ci && npm run build` left
// `npx wechat-share-service` with "not found".
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('wechat-share-service is not built: run `npm run build` in the repository root first.\n');
  process.exit(1);
}
await import(cli.href);
