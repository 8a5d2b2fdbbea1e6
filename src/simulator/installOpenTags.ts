// WeChat's open tags (<wx-open-launch-weapp> …), played by the simulated client. In WeChat the
// client defines them (jweixin 1.6.0 only forwards `openTagList` as `verifyOpenTagList`), so here
// the simulator does, once per page, and each element asks the installed client what it may do.
//
// Sources (the README's simulator section sorts them the same way):
// - official open-tag doc ("微信开放标签"): the four tags; WeChat 7.0.12+; a config's `openTagList`
//   asks for them, independently of `jsApiList`; the template is a <template> or, in frameworks,
//   <script type="text/wxtag-template">, styled apart from the page; events `ready`, `launch`,
//   `error` with `event.detail`; `WeixinOpenTagsError` on `document` after a passing config when a
//   client that meets the versions still cannot use them (known: iOS 15 with WeChat below 8.0.8);
//   open-tag permission is bound to the page URL, so an SPA calls `wx.config` again after a route
//   changes it.
// - reported by users: a tag that no config covers stays blank; a name the account may not use
//   is refused while the config itself passes.
// - the simulator's own: `error` with `detail.errMsg` on a tag a config did not cover (WeChat
//   documents `error` only for a failed launch), so that a page and its tests can see why.
import { isAtLeast } from './isAtLeast';
import { OPEN_TAGS } from './OPEN_TAGS';
import type { BridgeState, ConfigRecord, OpenTagLaunch, OpenTagName, OpenTagRecord, Platform } from './types';

/** What {@link installOpenTags} needs to know of the client it plays. */
export interface OpenTagsOptions {
  platform: Platform;
  /** WeChat version in the user agent. */
  version: string;
  /** errMsg of the `WeixinOpenTagsError` this client fires (see `BridgeOptions.openTagsError`). */
  openTagsError?: string;
}

/** The open tags of one simulated client. */
export interface OpenTagsClient {
  /** Judges every tag on the page against `config`, which has just been verified (the caller reports the change). */
  judge(config: ConfigRecord): void;
  /** Stops answering the elements (they stay defined: custom elements cannot be undefined). */
  uninstall(): void;
}

interface Client {
  connect(element: HTMLElement, name: OpenTagName): void;
  disconnect(element: HTMLElement): void;
  click(element: HTMLElement): void;
}

// The client the elements ask; the latest installed one.
let current: Client | undefined;
// The element classes this simulator defined (not a page's own).
const ours = new Set<CustomElementConstructor | undefined>();

// The URL open-tag permission is bound to: without #hash, as signatures are (whether WeChat
// withdraws it on a hash change is not documented).
const pageUrl = () => location.href.split('#')[0];
const failedConfig = (config: ConfigRecord) => `The wx.config failed (${config.errMsg}): open tags need a passing config.`;

// Runs `fire` once the page can have listened: never during parsing (a plain page adds its
// listeners in a <script> after the tag), and never in the same task as the change.
function later(fire: () => void) {
  const run = () => setTimeout(fire, 0);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', run, { once: true });
  else run();
}

// Shows the tag's template in its Shadow DOM (styles apart from the page, as the official doc
// says), or nothing: an open tag that cannot be used is blank.
function render(element: HTMLElement, show: boolean) {
  try {
    const root = element.shadowRoot ?? element.attachShadow({ mode: 'open' });
    root.replaceChildren();
    if (!show) return;
    for (const child of Array.from(element.children)) {
      if (child instanceof HTMLTemplateElement) {
        // Parsed HTML puts a template's nodes in .content; a framework that builds the DOM node by
        // node (Vue's createElement and insertBefore) leaves them as the element's own children.
        const nodes = child.content.childNodes.length ? child.content.childNodes : child.childNodes;
        return void root.append(...Array.from(nodes, (node) => node.cloneNode(true)));
      }
      if (child.localName === 'script' && (child as HTMLScriptElement).type === 'text/wxtag-template') {
        const template = document.createElement('template');
        template.innerHTML = child.textContent ?? '';
        return void root.append(template.content);
      }
    }
  } catch {
    // A page's odd element (its own shadow root, a detached node) must not break the page.
  }
}

function defineElements() {
  if (typeof customElements === 'undefined') return;
  for (const name of OPEN_TAGS) {
    // The page (or a polyfill) may have its own: leave it alone.
    if (customElements.get(name)) continue;
    const OpenTag = class extends HTMLElement {
      constructor() {
        super();
        // A click anywhere in the tag's template is the user's tap on it.
        this.addEventListener('click', () => current?.click(this));
      }
      connectedCallback() {
        current?.connect(this, name);
      }
      disconnectedCallback() {
        current?.disconnect(this);
      }
    };
    ours.add(OpenTag);
    customElements.define(name, OpenTag);
  }
}

// What a click on a ready tag does: the event WeChat fires after the user confirms, its detail
// (the official doc's event tables), and the panel's line.
function launchOf(name: OpenTagName, element: HTMLElement): OpenTagLaunch & { event?: string } {
  const attribute = (key: string) => element.getAttribute(key) ?? '';
  if (name === 'wx-open-launch-weapp') {
    const userName = attribute('username') || attribute('appid');
    const path = attribute('path');
    return { name, event: 'launch', detail: { userName, path }, text: `would open Mini Program \`${userName}\` at \`${path}\`` };
  }
  if (name === 'wx-open-launch-app') {
    const appId = attribute('appid');
    const extInfo = attribute('extinfo');
    return { name, event: 'launch', detail: { appId, extInfo }, text: `would open app \`${appId}\` with \`${extInfo}\`` };
  }
  if (name === 'wx-open-subscribe') {
    const ids = attribute('template').split(',').map((id) => id.trim()).filter(Boolean);
    const subscribeDetails = JSON.stringify(Object.fromEntries(ids.map((id) => [id, JSON.stringify({ status: 'accept' })])));
    return { name, event: 'success', detail: { errMsg: 'subscribe:ok', subscribeDetails }, text: `would ask to subscribe to \`${ids.join(', ')}\` (the user accepts)` };
  }
  // The audio tag's events are not simulated: the panel only says what would play.
  return { name, detail: { src: attribute('src'), title: attribute('title') }, text: `would play \`${attribute('title') || attribute('src')}\`` };
}

/**
 * Makes the simulated client answer WeChat's four open tags: defines the custom elements (only
 * those the page has not defined), keeps {@link BridgeState.openTags}, shows a tag's template in
 * its Shadow DOM once a config covers it and fires its events (`ready`, `error`, `launch`, and
 * `success` for wx-open-subscribe), and fires `WeixinOpenTagsError` where WeChat would.
 * A tag is covered by the config in force (the most recent passing one) when its `openTagList`
 * lists the tag and the page is still on the URL that config was made on.
 */
export function installOpenTags(state: BridgeState, changed: () => void, options: OpenTagsOptions): OpenTagsClient {
  const records: OpenTagRecord[] = (state.openTags = []);
  const launches: OpenTagLaunch[] = (state.openTagLaunches = []);
  const errors: string[] = (state.openTagsErrors = []);
  const observers = new Map<HTMLElement, MutationObserver>();
  // Official: open tags need WeChat 7.0.12, and HarmonyOS WeChat (its own version numbers) 1.0.3
  // (below it the client has none, and fires nothing).
  const first = options.platform === 'harmony' ? '1.0.3' : '7.0.12';
  const tooOld = isAtLeast(options.version, first) ? undefined : `WeChat ${options.version} is below ${first}, the first version with open tags: they stay blank and fire nothing.`;
  // Official, known case of WeixinOpenTagsError: iOS 15's WebKit change, WeChat below 8.0.8 (the
  // simulated iOS user agent is iOS 17).
  const cannotUse = options.openTagsError
    ?? (options.platform === 'ios' && !isAtLeast(options.version, '8.0.8') ? `WeChat ${options.version} on iOS 15 or later cannot use open tags (fixed in 8.0.8)` : undefined);

  const inForce = () => {
    for (let i = state.configs.length - 1; i >= 0; i--) if (state.configs[i].state === 'ok') return state.configs[i];
    return undefined;
  };
  // Why `config` does not cover a tag named `name` now; undefined when it does.
  const uncovered = (config: ConfigRecord, name: OpenTagName): string | undefined => {
    if (!config.openTagList) return `The wx.config came from a jweixin without open tags (no openTagList: jweixin 1.4.0?). Load jweixin-1.6.0.`;
    if (config.openTagList.indexOf(name) < 0) return `${name} is not in the openTagList of the wx.config in force ([${config.openTagList.join(', ')}]).`;
    if (config.pageUrl && config.pageUrl !== pageUrl()) {
      return `The page's URL changed since the wx.config in force (made on ${config.pageUrl}): WeChat withdraws open-tag permission, call wx.config again on ${pageUrl()}.`;
    }
    return undefined;
  };
  const fire = (element: HTMLElement, type: string, detail?: object) =>
    later(() => element.dispatchEvent(new CustomEvent(type, { detail })));
  // Moves `record` to `next`; the tag's event fires only on a change of state.
  const settle = (record: OpenTagRecord, next: OpenTagRecord['state'], reason?: string) => {
    const before = record.state;
    record.state = next;
    record.reason = reason;
    if (before === next) return;
    render(record.element, next === 'ready');
    if (next === 'ready') fire(record.element, 'ready');
    if (next === 'error') fire(record.element, 'error', { errMsg: reason });
  };

  const client: Client = {
    connect(element, name) {
      if (records.some((record) => record.element === element)) return;
      const record: OpenTagRecord = { name, element, state: 'waiting' };
      records.push(record);
      render(element, false);
      // A framework may fill the template after the tag is in the page: show the new content.
      const observer = new MutationObserver(() => record.state === 'ready' && render(element, true));
      observer.observe(element, { childList: true, subtree: true, characterData: true });
      observers.set(element, observer);
      const config = inForce();
      const last = state.configs[state.configs.length - 1];
      if (tooOld) settle(record, 'unusable', tooOld);
      else if (errors.length) settle(record, 'unusable', `WeixinOpenTagsError: ${errors[errors.length - 1]}`);
      else if (!config || last.state === 'pending') {
        record.reason = !last ? 'Waiting for a wx.config.' : last.state === 'pending' ? 'Waiting for the wx.config being verified.' : failedConfig(last);
      }
      else {
        const why = uncovered(config, name);
        // Not covered: blank until a config judges it (WeChat fires nothing for it meanwhile).
        if (why) record.reason = `${why} Rendered after that config: a new wx.config must cover it.`;
        else settle(record, 'ready');
      }
      changed();
    },
    disconnect(element) {
      const index = records.findIndex((record) => record.element === element);
      if (index < 0) return;
      records.splice(index, 1);
      observers.get(element)?.disconnect();
      observers.delete(element);
      changed();
    },
    click(element) {
      const record = records.find((candidate) => candidate.element === element);
      const config = inForce();
      if (!record || record.state !== 'ready' || !config) return;
      // The route may have changed the URL since (pushState is not observed).
      const why = uncovered(config, record.name);
      if (why) {
        settle(record, 'error', why);
        return changed();
      }
      const { event, ...launch } = launchOf(record.name, element);
      launches.push(launch);
      if (event) fire(element, event, launch.detail);
      changed();
    },
  };

  current = client;
  defineElements();
  // Tags already in the page, defined by an earlier client (define() has connected the others).
  try {
    document.querySelectorAll<HTMLElement>(OPEN_TAGS.join(',')).forEach((element) => {
      if (ours.has(customElements.get(element.localName))) client.connect(element, element.localName as OpenTagName);
    });
  } catch {
    // No custom elements in this browser: the tags stay blank, as on a client without them.
  }

  return {
    judge(config) {
      const list = config.openTagList ?? [];
      config.unknownOpenTags = list.filter((name) => OPEN_TAGS.indexOf(name as OpenTagName) < 0);
      if (tooOld) return;
      if (config.state === 'failed') {
        for (const record of records) {
          if (record.state === 'waiting') settle(record, 'error', failedConfig(config));
        }
        return;
      }
      if (cannotUse && list.length) {
        errors.push(cannotUse);
        later(() => document.dispatchEvent(new CustomEvent('WeixinOpenTagsError', { detail: { errMsg: cannotUse } })));
        for (const record of records) settle(record, 'unusable', `WeixinOpenTagsError: ${cannotUse}`);
        return;
      }
      for (const record of records) {
        const why = uncovered(config, record.name);
        settle(record, why ? 'error' : 'ready', why);
      }
    },
    uninstall() {
      if (current === client) current = undefined;
      observers.forEach((observer) => observer.disconnect());
      observers.clear();
    },
  };
}
