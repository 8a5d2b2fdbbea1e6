import type { OpenTagName } from './types';

/** The four open tags of WeChat's official open-tag doc (附录: 所有开放标签列表). */
export const OPEN_TAGS: readonly OpenTagName[] = ['wx-open-launch-weapp', 'wx-open-launch-app', 'wx-open-subscribe', 'wx-open-audio'];
