// The <script> build: the one entry allowed a side effect. It reads its own tag:
// - data-endpoint (and data-debug, data-jweixin): defaults for WechatShare.setupShare({ title, link, imgUrl });
// - data-auto: zero-code mode, the card from the page's Open Graph tags (autoShare);
// - otherwise, with an endpoint or a signature embedded in the page, the early start
//   (preloadShare): jweixin, the signature and wx.config begin now, not at the first setupShare.
//   data-preload="false" turns it off. Outside WeChat neither requests anything.
import { autoShare } from './autoShare';
import { configure } from './configure';
import { EMBEDDED_SIGNATURE } from './lib/embeddedSignature';
import { preloadShare } from './preloadShare';
import type { ShareOptions } from './types';

const tag = document.currentScript as HTMLScriptElement | null;
if (tag) {
  const { endpoint, debug, preload, auto, jweixin } = tag.dataset;
  // An absent attribute sets its option to undefined, the same as not set (and an empty
  // data-endpoint or data-jweixin is '', which every reader takes as unset too); data-debug, bare
  // or with any value but "false", turns debug on. data-jweixin is checked as jweixinVersion is.
  configure({ endpoint, jweixinVersion: jweixin as ShareOptions['jweixinVersion'], debug: debug == null ? undefined : debug !== 'false' });
  if (auto != null) autoShare();
  else if (preload !== 'false' && (endpoint || document.querySelector(EMBEDDED_SIGNATURE))) preloadShare();
}

export * from './index';
