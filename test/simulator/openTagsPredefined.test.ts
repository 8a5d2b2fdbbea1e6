// A page (or a polyfill) that defined an open tag itself keeps it: the simulator defines only
// the others. Its own file, since jsdom keeps one custom-element registry per test file.
import { afterEach, expect, it, vi } from 'vitest';
import { installBridge } from '../../src/simulator/installBridge';
import type { SimulatedBridge } from '../../src/simulator/types';

let bridge: SimulatedBridge | undefined;
afterEach(() => bridge?.uninstall());

it("defines the open tags the page has not defined, and leaves the page's own alone", async () => {
  class PageAudio extends HTMLElement {}
  customElements.define('wx-open-audio', PageAudio);
  document.body.innerHTML = '<wx-open-audio id="audio"></wx-open-audio><wx-open-subscribe id="subscribe" template="t1"></wx-open-subscribe>';
  bridge = installBridge({ platform: 'android', latency: 0, verify: () => ({ ok: true }) });
  expect(customElements.get('wx-open-audio')).toBe(PageAudio);
  for (const name of ['wx-open-launch-weapp', 'wx-open-launch-app', 'wx-open-subscribe']) expect(customElements.get(name)).toBeDefined();
  // Only the simulator's own tags are judged; the page's element has no shadow root of ours.
  expect(bridge.state.openTags!.map((record) => record.name)).toEqual(['wx-open-subscribe']);
  expect(document.getElementById('audio')!.shadowRoot).toBeNull();
  await vi.waitFor(() => expect(window.WeixinJSBridge).toBeDefined());
});
