import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Routes of the `route` label: a closed set, so that no path a client invents becomes a series. */
export const ROUTES = ['signature', 'livez', 'readyz', 'metrics', 'token_api', 'other'] as const;
/** One of {@link ROUTES}. */
export type Route = (typeof ROUTES)[number];

const ROUTE_INDEX = Object.fromEntries(ROUTES.map((route, index) => [route, index])) as Record<Route, number>;

/** The service's Prometheus metrics, all `wechat_share_*` plus the default process metrics. */
export interface Metrics {
  registry: Registry;
  /** One signature given for `appId`. */
  signed(appId: string): void;
  /** One WeChat API call ended with `outcome` (`ok`, an errcode, `timeout`, `network` or `invalid`). */
  upstream(appId: string, api: string, outcome: string): void;
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
 *   jsapi_ticket, for `wechat_share_credential_ttl_seconds` (the figure an alert watches)
 */
export function createMetrics(ttl: () => Iterable<{ appId: string; credential: 'access_token' | 'jsapi_ticket'; seconds: number }>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Signatures by appId, and answers by route and status (key: route index × 1000 + status).
  const signedBy = new Map<string, number>();
  const answeredBy = new Map<number, number>();
  new Counter({
    name: 'wechat_share_signatures_total',
    help: 'Signatures given, by account.',
    labelNames: ['app_id'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [appId, count] of signedBy) this.inc({ app_id: appId }, count);
    },
  });
  const upstream = new Counter({
    name: 'wechat_share_upstream_requests_total',
    help: 'WeChat API calls, by account, API path and outcome (ok, an errcode, timeout, network or invalid).',
    labelNames: ['app_id', 'api', 'outcome'],
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
    help: 'Seconds left on the cached access_token and jsapi_ticket, by account.',
    labelNames: ['app_id', 'credential'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { appId, credential, seconds } of ttl()) this.set({ app_id: appId, credential }, seconds);
    },
  });

  return {
    registry,
    signed(appId) {
      signedBy.set(appId, (signedBy.get(appId) ?? 0) + 1);
    },
    upstream(appId, api, outcome) {
      upstream.labels(appId, api, outcome).inc();
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
