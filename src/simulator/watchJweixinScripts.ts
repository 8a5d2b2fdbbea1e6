import type { BridgeState, JweixinScript } from './types';

// A jweixin URL, official (res.wx.qq.com/open/js/jweixin-1.6.0.js) or self-hosted under its name.
const isJweixin = (src: string) => /jweixin/i.test(src);

/**
 * Keeps {@link BridgeState.jweixinScripts}: every `<script src>` whose URL names jweixin that the
 * page inserts from now on, and whether it loaded or failed, as a WebView sees its own requests.
 * The panel uses it to say that jweixin did not load, and from where, when no `wx.config` comes.
 * Returns the function that stops watching.
 */
export function watchJweixinScripts(state: BridgeState, changed: () => void): () => void {
  const scripts: JweixinScript[] = (state.jweixinScripts = []);
  const seen = new Map<HTMLScriptElement, JweixinScript>();
  const track = (node: Node) => {
    if (!(node instanceof HTMLScriptElement) || seen.has(node) || !isJweixin(node.src)) return undefined;
    const script: JweixinScript = { src: node.src, state: 'loading' };
    seen.set(node, script);
    scripts.push(script);
    return script;
  };
  const observer = new MutationObserver((mutations) => {
    let added = false;
    for (const mutation of mutations) mutation.addedNodes.forEach((node) => (added = !!track(node) || added));
    if (added) changed();
  });
  observer.observe(document, { childList: true, subtree: true });
  // load and error do not bubble: caught on the way down, before the page's own handlers.
  const settle = (event: Event) => {
    const target = event.target;
    if (!(target instanceof HTMLScriptElement)) return;
    const script = seen.get(target) ?? track(target);
    if (!script) return;
    script.state = event.type === 'load' ? 'loaded' : 'failed';
    changed();
  };
  document.addEventListener('load', settle, true);
  document.addEventListener('error', settle, true);
  return () => {
    observer.disconnect();
    document.removeEventListener('load', settle, true);
    document.removeEventListener('error', settle, true);
  };
}
