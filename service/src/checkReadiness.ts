import { WechatApiError } from 'wechat-share/server';
import type { Accounts, WecomApp } from './createAccounts.js';

/** One account's part of the `/readyz` answer. */
export interface AccountReadiness {
  appId: string;
  ready: boolean;
  /** Seconds left on the jsapi_ticket in hand, when ready. */
  jsapiTicketExpiresIn?: number;
  /** Why it cannot sign: the WeChat API and errcode, and what to do. No errmsg (it can name this server's IP), no secret. */
  error?: { api?: string; errcode?: number; hint?: string; message: string };
}

/** One WeCom app's part of the `/readyz` answer. */
export interface WecomAppReadiness {
  corpId: string;
  agentId: number;
  ready: boolean;
  /** Seconds left on the corp jsapi_ticket in hand, when ready. */
  jsapiTicketExpiresIn?: number;
  /** Seconds left on the agent jsapi_ticket in hand, when ready. */
  agentTicketExpiresIn?: number;
  /** Why it cannot sign: the WeCom API and errcode, and what to do (60020: add this server's IP to the app's trusted IPs). No errmsg, no secret. */
  error?: { api?: string; errcode?: number; hint?: string; message: string };
}

/** The `/readyz` answer. */
export interface Readiness {
  /** 200 when every account can sign (even with the store down), else 503. */
  status: 200 | 503;
  body: {
    /** `ok`; `degraded`: every account and WeCom app signs but the store is down; `unavailable`: some account or WeCom app cannot sign. */
    status: 'ok' | 'degraded' | 'unavailable';
    accounts: AccountReadiness[];
    /** The WeCom apps, when there are any. */
    wecomApps?: WecomAppReadiness[];
    store: { up: boolean; reason?: string };
  };
}

/** Longest wait for one account's jsapi_ticket, in ms: a probe must answer before its own timeout. */
const WAIT = 4000;

// `promise`, or a rejection after WAIT ms.
function withinWait<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${WAIT} ms`)), WAIT)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

async function accountReadiness(account: Accounts['list'][number]): Promise<AccountReadiness> {
  try {
    const info = await withinWait(account.signer.getJsapiTicketInfo(), 'jsapi_ticket');
    return { appId: account.appId, ready: true, jsapiTicketExpiresIn: info.expires_in };
  } catch (error) {
    if (error instanceof WechatApiError) {
      // createSigner names the accessToken provider's failures api 'accessToken': here that is the
      // central server of accessTokenUrl, and blaming WeChat would send the operator the wrong way.
      const source = error.api === 'accessToken' ? 'The central server of accessTokenUrl' : 'WeChat';
      const reason = error.errcode === undefined ? `${source} gave no usable answer` : `${source} answered errcode ${error.errcode}`;
      return { appId: account.appId, ready: false, error: { api: error.api, errcode: error.errcode, hint: error.hint, message: `${reason}; details are in the log.` } };
    }
    const last = account.signer.status().lastError;
    return {
      appId: account.appId,
      ready: false,
      error: { api: last?.api, errcode: last?.errcode, hint: last?.hint, message: 'The jsapi_ticket could not be had; details are in the log.' },
    };
  }
}

async function wecomReadiness(app: WecomApp): Promise<WecomAppReadiness> {
  const { corpId, agentId, signer } = app;
  try {
    // A page inside WeCom needs both: the corp ticket (ww.register's getConfigSignature) and the agent ticket.
    const [corp, agent] = await withinWait(Promise.all([signer.corpTicketInfo(), signer.agentTicketInfo()]), 'jsapi_ticket');
    return { corpId, agentId, ready: true, jsapiTicketExpiresIn: corp.expires_in, agentTicketExpiresIn: agent.expires_in };
  } catch (error) {
    if (error instanceof WechatApiError) {
      const reason = error.errcode === undefined ? 'WeCom gave no usable answer' : `WeCom answered errcode ${error.errcode}`;
      return { corpId, agentId, ready: false, error: { api: error.api, errcode: error.errcode, hint: error.hint, message: `${reason}; details are in the log.` } };
    }
    const last = signer.status().lastError;
    return { corpId, agentId, ready: false, error: { api: last?.api, errcode: last?.errcode, hint: last?.hint, message: 'The jsapi_tickets could not be had; details are in the log.' } };
  }
}

/**
 * Whether every account and WeCom app can sign: a valid jsapi_ticket in hand, or one fetched now. A store that
 * is down does not make the service unready (every instance leaving the load balancer because
 * Redis blinked would turn a blip into an outage): the answer says `degraded` instead. A status
 * other than the last one is logged once (see `Accounts.readinessIs`).
 */
export async function checkReadiness(accounts: Accounts, storeConnected: () => boolean): Promise<Readiness> {
  const [results, wecom] = await Promise.all([Promise.all(accounts.list.map(accountReadiness)), Promise.all(accounts.wecomApps.map(wecomReadiness))]);
  // Down when the connection is, or when the signers' last store calls failed.
  const storeUp = storeConnected() && [...accounts.list, ...accounts.wecomApps].every((account) => account.signer.status().store.up);
  const ready = results.every((result) => result.ready) && wecom.every((result) => result.ready);
  const status = !ready ? 'unavailable' : storeUp ? 'ok' : 'degraded';
  const unready = [...results.filter((result) => !result.ready).map((result) => result.appId), ...wecom.filter((result) => !result.ready).map((result) => `${result.corpId}/${result.agentId}`)];
  accounts.readinessIs(status, { unready, storeUp });
  return {
    status: ready ? 200 : 503,
    body: {
      status,
      accounts: results,
      ...(wecom.length ? { wecomApps: wecom } : {}),
      // The store's own error can name internal addresses: it goes to the log, not here.
      store: storeUp ? { up: true } : { up: false, reason: 'The store is unreachable: each instance signs with the credentials in hand and fetches its own when they run out.' },
    },
  };
}
