// The one way tests and benchmarks start Chromium: Debian's chromium (a missing one is an error
// naming `apt-get install -y chromium`, which .ci/run runs) driven by playwright-core, with the
// flags this machine needs and a test host mapped to loopback.
import { chromium } from 'playwright-core';
import { ensureCommand } from './system.mjs';

/** Launches headless Chromium with `host` resolving to 127.0.0.1. */
export function launchChromium(host) {
  return chromium.launch({
    executablePath: ensureCommand('/usr/bin/chromium', 'chromium'),
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--host-resolver-rules=MAP ${host} 127.0.0.1`,
    ],
  });
}
