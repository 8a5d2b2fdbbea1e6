import type { BridgeOptions, VerifyResult } from './types';

/**
 * A `verify` for {@link installBridge} that asks the demo server's dev-only endpoint
 * (`POST {endpoint}` with JSON {@link VerifyRequest}), which holds the jsapi_ticket.
 * @param endpoint - @default '/__wechat-share/verify'
 */
export function verifyWithEndpoint(endpoint = '/__wechat-share/verify'): BridgeOptions['verify'] {
  return async (request) => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(request),
    });
    if (!response.ok) throw new Error(`verify endpoint answered HTTP ${response.status}`);
    return (await response.json()) as VerifyResult;
  };
}
