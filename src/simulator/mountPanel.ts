import { OPEN_TAGS } from './OPEN_TAGS';
import type { BridgeState, OpenTagRecord, Platform, SimulatedBridge } from './types';

// Which URL each client checks, as the panel says it.
const CHECKS: Record<Platform, string> = {
  ios: 'iOS checks the entry URL',
  android: 'Android checks the current URL',
  harmony: 'HarmonyOS checks the current URL (as Android; not reported)',
};

/** What the panel's switch plays: a WeChat client, a Mini Program's web-view, or a plain browser. */
export type PanelPlatform = Platform | 'miniprogram' | 'browser' | 'wecom-ios' | 'wecom-android';

/** sessionStorage key holding the platform the simulator plays: `ios`, `android`, `harmony`, `miniprogram`, `browser`, `wecom-ios` or `wecom-android`. */
export const PLATFORM_KEY = 'wechat-share-simulator:platform';
/** sessionStorage key holding the WeChat version the simulator plays (below 6.7.2: no new share APIs). */
export const VERSION_KEY = 'wechat-share-simulator:version';
/** sessionStorage key holding the shared link that "Open as shared link" opened, until the panel reports on it. */
export const SHARED_LINK_KEY = 'wechat-share-simulator:shared-link';

/** ms the panel waits for a `wx.config` before it says none arrived. */
export const NO_CONFIG_AFTER = 5000;

// The simulator's own checklist, from the official JS-SDK docs (Appendix 5, "常见错误及解决方法"),
// keyed by WeChat's errMsg. Its own texts: the oracle shares nothing with the SDK it judges.
const CHECKLIST: [string, string][] = [
  ['invalid signature', 'Sign exactly the URL WeChat checked (below), without #hash, with the same nonceStr, timestamp and appId given to wx.config, and the jsapi_ticket of that appId.'],
  ['invalid url domain', "Add the page's domain to the Official Account's JS safe domain (JS接口安全域名)."],
  ['permission denied', 'The account lacks this API (share needs a verified account), or wx.config did not pass.'],
  ['system error', 'The verify endpoint failed: look at the dev server log.'],
];
const checklistFor = (errMsg: string) => CHECKLIST.find(([phrase]) => errMsg.includes(phrase))?.[1];

// WeChat's second-share parameters, as "Open as shared link" adds them.
const SHARED_PARAMS = 'from=singlemessage&isappinstalled=0';

/** Whether `link` may be opened: only http(s), never `javascript:` or `data:`. */
const isHttp = (link: string) => {
  try {
    return /^https?:$/.test(new URL(link, location.href).protocol);
  } catch {
    return false;
  }
};

const STYLE = `
:host { all: initial; position: fixed; z-index: 2147483647; right: 12px; bottom: 12px; width: 340px; max-width: calc(100vw - 24px);
  font: 13px/1.45 -apple-system, "PingFang SC", system-ui, sans-serif; color: #191919; }
.panel { background: #ededed; border-radius: 12px; box-shadow: 0 6px 24px rgba(0,0,0,.25); overflow: hidden; }
header { display: flex; align-items: center; gap: 8px; padding: 8px 10px; background: #2e2e2e; color: #fff; }
header strong { flex: 1; font-size: 13px; }
.seg { display: flex; border: 1px solid #07c160; border-radius: 6px; overflow: hidden; }
.seg button { border: 0; background: transparent; color: #fff; padding: 2px 8px; font: inherit; cursor: pointer; }
.seg button[aria-pressed="true"] { background: #07c160; }
.toggle { border: 0; background: transparent; color: #fff; font-size: 16px; cursor: pointer; padding: 0 4px; }
.body { padding: 10px; display: grid; gap: 10px; max-height: 70vh; overflow: auto; }
.panel.collapsed .body { display: none; }
.status { padding: 8px; border-radius: 8px; background: #fff; word-break: break-all; }
.status.ok { border-left: 4px solid #07c160; } .status.failed { border-left: 4px solid #fa5151; } .status.pending { border-left: 4px solid #ffc300; }
.status b { display: block; }
.muted { color: #7f7f7f; font-size: 12px; }
.card { background: #fff; border-radius: 8px; padding: 10px; }
.card h3 { margin: 0 0 6px; font-size: 12px; color: #7f7f7f; font-weight: normal; }
.chat { display: grid; grid-template-columns: 1fr 56px; gap: 4px 10px; }
.chat .title { grid-column: 1 / 3; font-size: 15px; font-weight: 500; }
.chat .desc { color: #7f7f7f; font-size: 13px; overflow: hidden; display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; }
img { width: 56px; height: 56px; object-fit: cover; background: #ddd; border-radius: 2px; }
.moments { display: flex; gap: 8px; align-items: center; background: #f7f7f7; padding: 6px; }
.moments img { width: 40px; height: 40px; }
.link { color: #576b95; font-size: 12px; word-break: break-all; }
.actions { display: flex; flex-wrap: wrap; gap: 6px; }
.actions button { flex: 1 1 auto; border: 0; border-radius: 6px; padding: 7px 8px; background: #07c160; color: #fff; font: inherit; cursor: pointer; }
.actions button.secondary { background: #fff; color: #191919; }
.warn { color: #b85c00; font-size: 12px; }
`;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> & { className?: string } = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** `link` with WeChat's second-share parameters added before any hash, as WeChat adds them. */
export function asSharedLink(link: string): string {
  const [base, hash] = [link.split('#')[0], link.includes('#') ? link.slice(link.indexOf('#')) : ''];
  return `${base}${base.includes('?') ? '&' : '?'}${SHARED_PARAMS}${hash}`;
}

// What the panel says after "Open as shared link" reloaded the page: what WeChat appended, and
// what the page did about it. The note survives the page's own redirect (location.replace).
function sharedLinkNote(state: BridgeState | undefined): string | undefined {
  const opened = sessionStorage.getItem(SHARED_LINK_KEY);
  if (!opened) return undefined;
  const here = location.href;
  if (here === opened) {
    const config = state?.configs[state.configs.length - 1];
    if (!config) return `Opened as a shared link: WeChat appended ${SHARED_PARAMS}. Waiting for the page…`;
    sessionStorage.removeItem(SHARED_LINK_KEY);
    return `Opened as a shared link: WeChat appended ${SHARED_PARAMS}. The page kept them and signed ${config.url}.`;
  }
  sessionStorage.removeItem(SHARED_LINK_KEY);
  return `Opened as a shared link: WeChat appended ${SHARED_PARAMS}. The page removed them (now ${here.split('#')[0]}) and signed the clean URL.`;
}

// Why no wx.config came. jweixin that never arrived (a blocked or offline network, a wrong
// sdkUrl) is named with its URLs; otherwise the usual suspects.
function noConfigCause(state: BridgeState): HTMLElement[] {
  const scripts = state.jweixinScripts ?? [];
  const loaded = !!(window as { jWeixin?: { config?: unknown } }).jWeixin?.config;
  const failed = scripts.filter((script) => script.state === 'failed').map((script) => script.src);
  const loading = scripts.filter((script) => script.state === 'loading').map((script) => script.src);
  const empty = scripts.filter((script) => script.state === 'loaded').map((script) => script.src);
  if (!loaded && loading.length) {
    return [el('b', { textContent: `No wx.config after ${NO_CONFIG_AFTER / 1000} s: jweixin is still loading` }),
      el('div', { className: 'muted', textContent: `From ${loading.join(' and ')}${failed.length ? ` (failed: ${failed.join(', ')})` : ''}. A slow or blocked network: look at the network tab.` })];
  }
  if (!loaded && failed.length) {
    return [el('b', { textContent: 'jweixin did not load' }),
      el('div', { className: 'muted', textContent: `Failed: ${failed.join(', ')}. The network is blocked or offline, or the URL is wrong; the page's setupShare rejects SDK_LOAD_FAILED. Serve jweixin from your own server (sdkUrl) where res.wx.qq.com cannot be reached.` })];
  }
  if (!loaded && empty.length) {
    return [el('b', { textContent: 'jweixin loaded but defined no wx' }),
      el('div', { className: 'muted', textContent: `${empty.join(', ')} answered, but window.jWeixin is not there: is it the jweixin file (and not an error page)?` })];
  }
  return [el('b', { textContent: `No wx.config after ${NO_CONFIG_AFTER / 1000} s` }),
    el('div', { className: 'muted', textContent: 'Likely: setupShare was not called; the signing request failed (look at the network tab); or this simulator script loaded after the SDK (put it first in <head>).' })];
}

const TAG_STATES: Record<OpenTagRecord['state'], string> = { waiting: '… waiting', ready: '✓ ready', error: '✗ error', unusable: '✗ unusable' };

// The open tags on the page and each one's state, the open-tag warnings of the config in force,
// and what the last tap on a tag would have done. Nothing when the page has no open tags at all.
function openTagsCard(state: BridgeState): HTMLElement | undefined {
  const records = state.openTags ?? [];
  const config = [...state.configs].reverse().find((candidate) => candidate.state !== 'pending');
  const errors = state.openTagsErrors ?? [];
  if (!records.length && !config?.openTagList?.length && !errors.length) return undefined;
  const card = el('div', { className: 'card' }, el('h3', { textContent: `Open tags (openTagList: ${config?.openTagList ? `[${config.openTagList.join(', ')}]` : 'none sent'})` }));
  card.dataset.card = 'open-tags';
  for (const record of records) {
    let label = record.name;
    try {
      label += record.element.id ? `#${record.element.id}` : '';
    } catch {
      // A page's odd element: its name is enough.
    }
    const line = el('div', { className: record.state === 'ready' ? '' : 'warn' }, el('b', { textContent: `${label} ${TAG_STATES[record.state]}` }));
    if (record.reason) line.append(el('div', { className: 'muted', textContent: record.reason }));
    line.dataset.openTag = record.name;
    line.dataset.state = record.state;
    card.append(line);
  }
  if (!records.length) card.append(el('div', { className: 'muted', textContent: 'No open tag on the page.' }));
  const unknown = config?.unknownOpenTags ?? [];
  if (unknown.length) {
    const warn = el('div', { className: 'warn', textContent: `Not open tags, ignored: ${unknown.join(', ')}. WeChat has four: ${OPEN_TAGS.join(', ')}.` });
    warn.dataset.unknownOpenTags = '';
    card.append(warn);
  }
  if (errors.length) {
    const warn = el('div', { className: 'warn', textContent: `WeixinOpenTagsError fired on document: ${errors[errors.length - 1]}. Show a plain link instead of the tags.` });
    warn.dataset.openTagsError = '';
    card.append(warn);
  }
  const launch = (state.openTagLaunches ?? [])[(state.openTagLaunches ?? []).length - 1];
  if (launch) {
    const line = el('div', { className: 'link', textContent: `${launch.name}: ${launch.text}` });
    line.dataset.launch = '';
    card.append(line);
  }
  return card;
}

/**
 * Draws the simulator's preview panel in a Shadow DOM (page CSS cannot reach it, and it cannot
 * reach the page): platform switch, config status with the checklist hint and the URLs checked vs
 * signed, the chat and Moments cards, and buttons that act as the user. Returns the host element.
 * With no `bridge` (platform `browser`), it only offers the switch.
 */
export function mountPanel(bridge: SimulatedBridge | undefined, platform: PanelPlatform): HTMLElement {
  const host = document.createElement('wechat-share-simulator');
  const root = host.attachShadow({ mode: 'open' });
  const panel = el('div', { className: 'panel' });
  root.append(el('style', { textContent: STYLE }), panel);

  const seg = el('div', { className: 'seg', role: 'group', ariaLabel: 'Platform' } as Partial<HTMLDivElement>);
  for (const [value, label] of [['ios', 'iOS'], ['android', 'Android'], ['harmony', 'HarmonyOS'], ['miniprogram', 'Mini Program'], ['wecom-ios', 'WeCom iOS'], ['wecom-android', 'WeCom Android'], ['browser', 'Browser']] as const) {
    const button = el('button', { textContent: label, type: 'button' });
    button.setAttribute('aria-pressed', String(value === platform));
    button.dataset.platform = value;
    button.addEventListener('click', () => {
      sessionStorage.setItem(PLATFORM_KEY, value);
      location.reload();
    });
    seg.append(button);
  }
  const toggle = el('button', { className: 'toggle', type: 'button', textContent: '–', title: 'Collapse' });
  toggle.addEventListener('click', () => {
    panel.classList.toggle('collapsed');
    toggle.textContent = panel.classList.contains('collapsed') ? '+' : '–';
  });
  const body = el('div', { className: 'body' });
  panel.append(el('header', {}, el('strong', { textContent: bridge?.state.client === 'wecom' ? 'WeCom' : 'WeChat' }), seg, toggle), body);

  // What the last button press answered; kept across renders.
  let lastAction = '';
  let sharedNote: string | undefined;
  let noConfigYet = false;
  const render = (state?: BridgeState) => {
    sharedNote = sharedLinkNote(state) ?? sharedNote;
    body.replaceChildren();
    if (!state) {
      body.append(el('div', { className: 'status' }, el('b', { textContent: 'Plain browser, not WeChat' }),
        el('span', { className: 'muted', textContent: 'setupShare resolves { status: "unsupported" } and loads nothing.' })));
      return;
    }
    if (state.miniProgram) return renderMiniProgram(state);
    if (state.client === 'wecom') return renderWecom(state);
    const config = state.configs[state.configs.length - 1];
    const status = el('div', { className: `status ${config?.state ?? 'pending'}` });
    status.dataset.state = config?.state ?? 'none';
    if (!config && noConfigYet) {
      status.className = 'status failed';
      status.dataset.state = 'no-config';
      status.append(...noConfigCause(state));
    } else if (!config) status.append(el('b', { textContent: 'Waiting for wx.config…' }));
    else if (config.state === 'pending') status.append(el('b', { textContent: 'Verifying wx.config…' }));
    else if (config.state === 'ok') {
      status.append(el('b', { textContent: '✓ Signature verified' }), el('span', { className: 'muted', textContent: `for ${config.url}` }));
    } else {
      const result = config.result;
      status.append(el('b', { textContent: `✗ ${config.errMsg}` }));
      if (result?.reason) status.append(el('div', { textContent: result.reason }));
      const hint = checklistFor(config.errMsg ?? '');
      if (hint) status.append(el('div', { className: 'muted', textContent: `Check: ${hint}` }));
      status.append(el('div', { className: 'muted', textContent: `WeChat checked: ${config.url}` }));
      if (config.realAuthUrl) status.append(el('div', { className: 'muted', textContent: `Told the page (realAuthUrl): ${config.realAuthUrl}` }));
      if (result?.signedUrl && result.signedUrl !== config.url) status.append(el('div', { className: 'muted', textContent: `Signed for: ${result.signedUrl}` }));
    }
    body.append(status);
    if (sharedNote) {
      const note = el('div', { className: 'status', textContent: sharedNote });
      note.dataset.sharedLink = '';
      body.append(note);
    }

    const chat = state.appMessage;
    const chatCard = el('div', { className: 'card' }, el('h3', { textContent: 'Chat card (updateAppMessageShareData)' }));
    chatCard.dataset.card = 'chat';
    if (chat) {
      chatCard.append(el('div', { className: 'chat' },
        el('div', { className: 'title', textContent: chat.title }),
        el('div', { className: 'desc', textContent: chat.desc ?? '' }),
        el('img', { src: chat.imgUrl, alt: '' })),
      el('div', { className: 'link', textContent: chat.link }));
      // Only worth saying on an https page: an http dev server serves its thumbnails over http anyway.
      if (chat.imgUrl.startsWith('http:') && location.protocol === 'https:') chatCard.append(el('div', { className: 'warn', textContent: 'http thumbnail: users report WeChat does not show it; use https.' }));
      if (config && new URL(chat.link, location.href).hostname !== new URL(config.url).hostname) {
        chatCard.append(el('div', { className: 'warn', textContent: 'The link is on another host: it must be on the JS safe domain.' }));
      }
    } else chatCard.append(el('div', { className: 'muted', textContent: 'Not set: WeChat would share a default card.' }));
    const moments = state.timeline;
    const momentsCard = el('div', { className: 'card' }, el('h3', { textContent: 'Moments card (updateTimelineShareData)' }));
    momentsCard.dataset.card = 'moments';
    momentsCard.append(moments
      ? el('div', { className: 'moments' }, el('img', { src: moments.imgUrl, alt: '' }), el('div', { textContent: moments.title }))
      : el('div', { className: 'muted', textContent: 'Not set.' }));
    body.append(chatCard, momentsCard);
    const tags = openTagsCard(state);
    if (tags) body.append(tags);

    const actions = el('div', { className: 'actions' });
    const result = el('div', { className: 'muted' });
    result.dataset.result = '';
    const action = (label: string, run: () => void, secondary = false) => {
      const button = el('button', { type: 'button', textContent: label, className: secondary ? 'secondary' : '' });
      button.addEventListener('click', run);
      actions.append(button);
    };
    action('Open as shared link', () => {
      const link = chat?.link ?? location.href;
      // A card's link is the page's data: never navigate to (or run) anything but http(s).
      if (!isHttp(link)) {
        lastAction = `Not opened: the card's link is not http(s): ${link.slice(0, 80)}`;
        return draw(state);
      }
      const shared = asSharedLink(new URL(link, location.href).href);
      sessionStorage.setItem(SHARED_LINK_KEY, shared);
      location.href = shared;
    });
    for (const [label, target] of [['Tap share to chat', 'appmessage'], ['Tap share to Moments', 'timeline']] as const) {
      action(label, () => {
        bridge!.tapShare(target).then((errMsg) => {
          lastAction = `${label}: ${errMsg}`;
          draw(bridge!.state);
        });
      }, true);
    }
    const sent = state.sent[state.sent.length - 1];
    result.textContent = [lastAction, sent && `Last sent: ${sent.api} "${sent.card.title}"`].filter(Boolean).join(' · ');
    body.append(actions, result, el('div', { className: 'muted', textContent: `${CHECKS[state.platform]} · entry ${state.entryUrl}` }));
    if (state.iframeAdded) body.append(el('div', { className: 'status failed', textContent: 'An <iframe> is in the page: HarmonyOS WeChat now answers JS-SDK calls with "invalid signature" (reported by users).' }));
  };

  // In WeCom the card is what the page's onMenuShare* handler sends when the user taps a menu: the
  // panel taps 「转发」 (a WeCom chat), 「微信」 (to WeChat) and 「朋友圈」, and shows what was sent.
  const renderWecom = (state: BridgeState) => {
    const configs = state.configs;
    const last = configs[configs.length - 1];
    const status = el('div', { className: `status ${last?.state ?? 'pending'}` });
    status.dataset.state = last?.state ?? 'none';
    if (!last) status.append(el('b', { textContent: 'Waiting for ww.register…' }));
    for (const config of configs.slice(-2)) {
      const what = config.kind === 'agent' ? `agentConfig (agent ${config.agentId})` : 'config (corp)';
      status.append(el('div', { textContent: `${config.state === 'ok' ? '✓' : config.state === 'failed' ? '✗' : '…'} ${what}: ${config.errMsg ?? 'verifying'}` }));
      if (config.state === 'failed') {
        if (config.result?.reason) status.append(el('div', { textContent: config.result.reason }));
        if (/signature/.test(config.errMsg ?? '')) {
          status.append(el('div', { className: 'muted', textContent: `Check: sign ${config.url} with the ${config.kind === 'agent' ? "app's agent ticket" : 'corp jsapi_ticket'} of ${config.appId}.` }));
        }
      }
    }
    body.append(status);
    const sentBy = (api: string) => state.sent.filter((sent) => sent.api === api).pop()?.card;
    for (const [label, api, key] of [['转发 · sent in WeCom (onMenuShareAppMessage)', 'sendAppMessage', 'wecom'], ['微信 · sent to WeChat (onMenuShareWechat)', 'shareWechat', 'wechat'], ['朋友圈 (onMenuShareTimeline)', 'shareTimeline', 'moments']] as const) {
      const sent = sentBy(api);
      const view = el('div', { className: 'card' }, el('h3', { textContent: label }));
      view.dataset.card = key;
      view.append(sent
        ? el('div', { className: 'chat' }, el('div', { className: 'title', textContent: sent.title }), el('div', { className: 'desc', textContent: sent.desc ?? '' }), el('img', { src: sent.imgUrl, alt: '' }), el('div', { className: 'link', textContent: sent.link }))
        : el('div', { className: 'muted', textContent: state.menuHandlers.includes(`menu:share:${key === 'wecom' ? 'appmessage' : key === 'moments' ? 'timeline' : 'wechat'}`) ? 'Set: tap to send it.' : 'Not set: WeCom would share a default card.' }));
      body.append(view);
    }
    const actions = el('div', { className: 'actions' });
    const result = el('div', { className: 'muted', textContent: lastAction });
    result.dataset.result = '';
    for (const [label, target] of [['Tap 转发', 'appmessage'], ['Tap 微信', 'wechat'], ['Tap 朋友圈', 'timeline']] as const) {
      const button = el('button', { type: 'button', textContent: label, className: 'secondary' });
      button.dataset.tap = target;
      button.addEventListener('click', () => {
        bridge!.tapShare(target).then((errMsg) => {
          lastAction = `${label}: ${errMsg}`;
          draw(bridge!.state);
        });
      });
      actions.append(button);
    }
    body.append(actions, result, el('div', { className: 'muted', textContent: `WeCom ${state.platform === 'ios' ? 'iOS' : 'Android'} checks the current URL` }));
  };

  // In a web-view the share menu is the Mini Program page's: it shares what the page posted.
  const renderMiniProgram = (state: BridgeState) => {
    const messages = state.miniProgramMessages as { type?: unknown; title?: string; desc?: string; link?: string; imgUrl?: string }[];
    const card = messages.filter((m) => m && m.type === 'wechat-share').pop();
    const status = el('div', { className: `status ${card ? 'ok' : 'pending'}` },
      el('b', { textContent: card ? '✓ Card posted to the Mini Program' : 'Waiting for wx.miniProgram.postMessage…' }),
      el('div', { className: 'muted', textContent: 'In a <web-view> the JS-SDK share APIs do nothing: the hosting page\'s onShareAppMessage shares what the page posted (webViewShare() of wechat-share/miniprogram).' }));
    status.dataset.state = card ? 'posted' : 'none';
    const view = el('div', { className: 'card' }, el('h3', { textContent: 'Mini Program share card' }));
    view.dataset.card = 'miniprogram';
    view.append(card
      ? el('div', { className: 'chat' }, el('div', { className: 'title', textContent: card.title ?? '' }), el('div', { className: 'desc', textContent: card.desc ?? '' }), el('img', { src: card.imgUrl ?? '', alt: '' }))
      : el('div', { className: 'muted', textContent: 'Nothing posted: the Mini Program would share its own default card.' }));
    if (card) view.append(el('div', { className: 'link', textContent: card.link ?? '' }));
    body.append(status, view, el('div', { className: 'muted', textContent: `${messages.length} message(s) posted` }));
  };

  // The panel must never break the page it watches, whatever that page's DOM does.
  const draw = (state?: BridgeState) => {
    try {
      render(state);
    } catch {
      // Drawn again on the next change.
    }
  };
  draw(bridge?.state);
  // One drawing per burst of changes: a page's wx.ready typically calls seven share APIs in one
  // go, and a real client draws no panel at all, so the simulator keeps its own work in the page
  // it measures small (npm run bench compares pages that make different numbers of calls). The
  // state is one live object, so the drawing after the burst shows all of it.
  let queued = false;
  bridge?.subscribe((state) => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      draw(state);
    });
  });
  if (bridge && !bridge.state.miniProgram) {
    setTimeout(() => {
      noConfigYet = !bridge.state.configs.length;
      if (noConfigYet) draw(bridge.state);
    }, NO_CONFIG_AFTER);
  }
  const attach = () => document.documentElement.append(host);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', attach);
  else attach();
  return host;
}
