import { page } from './lib/pageState';
import type { ShareOptions } from './types';

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
  Object.assign(page.defaults, options);
}
