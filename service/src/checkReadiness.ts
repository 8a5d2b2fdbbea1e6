import { WechatApiError } from 'wechat-share/server';
import type { Accounts } from './createAccounts.js';

/** One account's part of the `/readyz` answer. */
export interface AccountReadiness {
  appId: string;
  ready: boolean;
  /** Seconds left on the jsapi_ticket in hand, when ready. */
  jsapiTicketExpiresIn?: number;
  /** Why it cannot sign: the WeChat API and errcode, and what to do. No errmsg (it can name this server's IP), no secret. */
  error?: { api?: string; errcode?: number; hint?: string; message: string };
}

/** The `/readyz` answer. */
export interface Readiness {
  /** 200 when every account can sign (even with the store down), else 503. */
  status: 200 | 503;
  body: {
    /** `ok`; `degraded`: every account signs but the store is down; `unavailable`: some account cannot sign. */
    status: 'ok' | 'degraded' | 'unavailable';
    accounts: AccountReadiness[];
    store: { up: boolean; reason?: string };
  };
}

/** Longest wait for one account's jsapi_ticket, in ms: a probe must answer before its own timeout. */
const WAIT = 4000;

async function accountReadiness(account: Accounts['list'][number]): Promise<AccountReadiness> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const info = await Promise.race([
      account.signer.getJsapiTicketInfo(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no jsapi_ticket within ${WAIT} ms`)), WAIT))),
    ]);
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
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether every account can sign: a valid jsapi_ticket in hand, or one fetched now. A store that
 * is down does not make the service unready (every instance leaving the load balancer because
 * Redis blinked would turn a blip into an outage): the answer says `degraded` instead. A status
 * other than the last one is logged once (see `Accounts.readinessIs`).
 */
export async function checkReadiness(accounts: Accounts, storeConnected: () => boolean): Promise<Readiness> {
  const results = await Promise.all(accounts.list.map(accountReadiness));
  // Down when the connection is, or when the signers' last store calls failed.
  const storeUp = storeConnected() && accounts.list.every((account) => account.signer.status().store.up);
  const ready = results.every((result) => result.ready);
  const status = !ready ? 'unavailable' : storeUp ? 'ok' : 'degraded';
  accounts.readinessIs(status, { unready: results.filter((result) => !result.ready).map((result) => result.appId), storeUp });
  return {
    status: ready ? 200 : 503,
    body: {
      status,
      accounts: results,
      // The store's own error can name internal addresses: it goes to the log, not here.
      store: storeUp ? { up: true } : { up: false, reason: 'The store is unreachable: each instance signs with the credentials in hand and fetches its own when they run out.' },
    },
  };
}
