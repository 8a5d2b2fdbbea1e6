import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Routes of the `route` label: a closed set, so that no path a client invents becomes a series. */
export const ROUTES = ['signature', 'livez', 'readyz', 'metrics', 'token_api', 'other'] as const;
/** One of {@link ROUTES}. */
export type Route = (typeof ROUTES)[number];

/**
 * Whose series a count is: an Official Account by its appId (label `app_id`), or a WeCom app by
 * its corpId and agentId (labels `corp_id` and `agent_id`). Both kinds share each metric, so that
 * a sum over it counts both.
 */
export type Owner = string | { readonly corpId: string; readonly agentId: number };

/** The labels of `owner`. */
const labelsOf = (owner: Owner): Record<string, string> => (typeof owner === 'string' ? { app_id: owner } : { corp_id: owner.corpId, agent_id: String(owner.agentId) });
/** The labels that name an owner, on every metric that has one. */
const OWNER_LABELS = ['app_id', 'corp_id', 'agent_id'] as const;

const ROUTE_INDEX = Object.fromEntries(ROUTES.map((route, index) => [route, index])) as Record<Route, number>;

/** The service's Prometheus metrics, all `wechat_share_*` plus the default process metrics. */
export interface Metrics {
  registry: Registry;
  /** One signature given for `owner` (an appId, or a WeCom app). */
  signed(owner: Owner): void;
  /** One WeChat or WeCom API call of `owner` ended with `outcome` (`ok`, an errcode, `timeout`, `network` or `invalid`). */
  upstream(owner: Owner, api: string, outcome: string): void;
  /** One store call (`get`, `set`, `lock`, …) failed or timed out. */
  storeError(op: string): void;
  /** One HTTP request came in (for the in-flight gauge). */
  started(): void;
  /** One HTTP answer, and how long it took in seconds. */
  request(route: Route, status: number, seconds: number): void;
  /** One HTTP request ended without an answer (its connection was destroyed). */
  aborted(): void;
}

/**
 * Creates the registry and the metrics. The hot path stays cheap: the per-request counters are
 * plain numbers, handed to prom-client's counters when Prometheus scrapes (their `collect`), so a
 * request costs two map updates and one histogram observation instead of a label hash per
 * counter (measured with `npm run bench:service`).
 *
 * @param ttl - called at each scrape: seconds left on each account's cached access_token and
 *   jsapi_ticket, and on each WeCom app's access_token, corp jsapi_ticket (`jsapi_ticket`) and
 *   agent jsapi_ticket (`agent_jsapi_ticket`), for `wechat_share_credential_ttl_seconds` (the
 *   figure an alert watches)
 */
export function createMetrics(ttl: () => Iterable<{ owner: Owner; credential: 'access_token' | 'jsapi_ticket' | 'agent_jsapi_ticket'; seconds: number }>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Signatures by owner (key: an appId, or corpId/agentId), and answers by route and status (key:
  // route index × 1000 + status).
  const signedBy = new Map<string, { owner: Owner; count: number }>();
  const answeredBy = new Map<number, number>();
  new Counter({
    name: 'wechat_share_signatures_total',
    help: 'Signatures given, by account (app_id) or WeCom app (corp_id, agent_id).',
    labelNames: OWNER_LABELS,
    registers: [registry],
    collect() {
      this.reset();
      for (const { owner, count } of signedBy.values()) this.inc(labelsOf(owner), count);
    },
  });
  const upstream = new Counter({
    name: 'wechat_share_upstream_requests_total',
    help: 'WeChat and WeCom API calls, by account (app_id) or WeCom app (corp_id, agent_id), API path and outcome (ok, an errcode, timeout, network or invalid).',
    labelNames: [...OWNER_LABELS, 'api', 'outcome'],
    registers: [registry],
  });
  const storeErrors = new Counter({ name: 'wechat_share_store_errors_total', help: 'Store calls that failed or timed out, by operation.', labelNames: ['op'], registers: [registry] });
  new Counter({
    name: 'wechat_share_http_requests_total',
    help: 'HTTP answers, by route and status.',
    labelNames: ['route', 'status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, count] of answeredBy) this.inc({ route: ROUTES[Math.floor(key / 1000)], status: String(key % 1000) }, count);
    },
  });
  const duration = new Histogram({
    name: 'wechat_share_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, in seconds.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  // The histogram's unlabelled child, made once rather than per observation.
  const observeDuration = duration.labels().observe;
  // A plain number on the hot path, read at scrape time.
  let inFlight = 0;
  new Gauge({
    name: 'wechat_share_http_requests_in_flight',
    help: 'HTTP requests received and not yet answered.',
    registers: [registry],
    collect() {
      this.set(inFlight);
    },
  });
  new Gauge({
    name: 'wechat_share_credential_ttl_seconds',
    help: 'Seconds left on the cached access_token and jsapi_ticket (and a WeCom app\'s agent_jsapi_ticket), by account (app_id) or WeCom app (corp_id, agent_id).',
    labelNames: [...OWNER_LABELS, 'credential'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { owner, credential, seconds } of ttl()) this.set({ ...labelsOf(owner), credential }, seconds);
    },
  });

  return {
    registry,
    signed(owner) {
      const key = typeof owner === 'string' ? owner : `${owner.corpId}\0${owner.agentId}`;
      const entry = signedBy.get(key);
      if (entry) entry.count++;
      else signedBy.set(key, { owner, count: 1 });
    },
    upstream(owner, api, outcome) {
      upstream.inc({ ...labelsOf(owner), api, outcome });
    },
    storeError(op) {
      storeErrors.labels(op).inc();
    },
    started() {
      inFlight++;
    },
    aborted() {
      inFlight--;
    },
    request(route, status, seconds) {
      inFlight--;
      const key = ROUTE_INDEX[route] * 1000 + status;
      answeredBy.set(key, (answeredBy.get(key) ?? 0) + 1);
      observeDuration(seconds);
    },
  };
}
