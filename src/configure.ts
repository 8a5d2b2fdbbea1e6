import type { ShareOptions } from './types';

/** The defaults that {@link configure} sets; read by every later {@link setupShare}. */
export const defaults: ShareOptions = {};

/**
 * Sets default options for later {@link setupShare} calls, merged over earlier defaults. Options
 * passed to `setupShare` itself still win. The script-tag build calls it with the tag's
 * `data-endpoint`.
 *
 * @param options - any {@link ShareOptions}
 * @example
 * configure({ endpoint: '/api/wechat/signature', jsApiList: ['chooseImage'] });
 */
export function configure(options: ShareOptions): void {
  Object.assign(defaults, options);
}
