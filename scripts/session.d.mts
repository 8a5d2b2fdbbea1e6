import type { Browser, BrowserContext, Page } from 'playwright-core';

export const HOST: string;
export const SDK_URL: string;

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Every request the page made, as METHOD URL. */
  requests: string[];
  /** Requests to addresses other than the test host and jweixin's: refused. */
  refused: string[];
  /** Uncaught page errors, dialogs (alert, confirm) and CSP violations: all must stay empty. */
  problems: string[];
  /** The URLs the page asked the signing endpoint to sign, in order. */
  signing: string[];
}

export interface SessionOptions {
  /**
   * The simulated client (also the user agent of the session's HTTP requests, as WeChat sends it);
   * `miniprogram` plays a Mini Program's web-view, `browser` a desktop browser.
   */
  platform?: 'ios' | 'android' | 'miniprogram' | 'browser' | 'wecom-ios' | 'wecom-android';
  /** WeChat version of the simulated client. */
  version?: string;
  /**
   * ms before jweixin arrives, or `after-dom`: once the page's DOMContentLoaded has fired (its own
   * scripts, its setupShare call among them, have run); `fail` answers with an error from both hosts.
   */
  jweixin?: number | 'after-dom' | 'fail';
  /** With `jweixin: 'fail'`: ms before each error answer, or `after-dom` as for `jweixin`. */
  failAfter?: number | 'after-dom';
  /** ms before each signing request reaches the server. */
  signingDelay?: number;
  /** ms before each request for the SDK's own file (`/dist/wechat-share…`) reaches the server. */
  sdkDelay?: number;
  viewport?: { width: number; height: number };
}

export function openSession(browser: Browser, options?: SessionOptions): Promise<Session>;
