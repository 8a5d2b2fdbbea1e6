// The <script> build: the one entry allowed a side effect. It reads data-endpoint (and
// data-debug) from its own tag, so that
// WechatShare.setupShare({ title, link, imgUrl }) works with one argument.
import { configure } from './configure';

const tag = typeof document === 'undefined' ? null : (document.currentScript as HTMLScriptElement | null);
if (tag) {
  const { endpoint, debug } = tag.dataset;
  if (endpoint) configure({ endpoint });
  if (debug) configure({ debug: debug !== 'false' });
}

export * from './index';
