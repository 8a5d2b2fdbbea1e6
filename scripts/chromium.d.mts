import type { Browser } from 'playwright-core';
export function launchChromium(host: string): Promise<Browser>;
