// The hot-path metrics: plain numbers per request, handed to prom-client at scrape time. Exact
// counts across scrapes, every route and status kept apart, the histogram seeing every answer.
import { describe, expect, it } from 'vitest';
import { createMetrics, ROUTES } from '../src/createMetrics.js';

// The value of one sample line, or undefined when the series is absent.
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('createMetrics', () => {
  it('counts every answer by route and status, and every signature by appId, exactly and monotonically across scrapes', async () => {
    const metrics = createMetrics(() => []);
    ROUTES.forEach((route, index) => {
      for (let i = 0; i <= index; i++) {
        metrics.started();
        metrics.request(route, 200, 0.002);
      }
      metrics.started();
      metrics.request(route, 503, 0.2);
    });
    for (let i = 0; i < 7; i++) metrics.signed('wx_a');
    metrics.signed('wx_b');
    let text = await metrics.registry.metrics();
    ROUTES.forEach((route, index) => {
      expect(sample(text, `wechat_share_http_requests_total{route="${route}",status="200"}`)).toBe(index + 1);
      expect(sample(text, `wechat_share_http_requests_total{route="${route}",status="503"}`)).toBe(1);
    });
    expect(sample(text, 'wechat_share_signatures_total{app_id="wx_a"}')).toBe(7);
    expect(sample(text, 'wechat_share_signatures_total{app_id="wx_b"}')).toBe(1);
    expect(sample(text, 'wechat_share_http_request_duration_seconds_count')).toBe(27);
    expect(sample(text, 'wechat_share_http_request_duration_seconds_bucket{le="0.0025"}')).toBe(21);
    expect(sample(text, 'wechat_share_http_request_duration_seconds_bucket{le="0.25"}')).toBe(27);
    expect(sample(text, 'wechat_share_http_requests_in_flight')).toBe(0);

    // A second scrape adds to the first, never restarts from zero.
    metrics.started();
    metrics.started();
    metrics.request('signature', 200, 0.001);
    metrics.signed('wx_a');
    text = await metrics.registry.metrics();
    expect(sample(text, 'wechat_share_http_requests_total{route="signature",status="200"}')).toBe(2);
    expect(sample(text, 'wechat_share_signatures_total{app_id="wx_a"}')).toBe(8);
    expect(sample(text, 'wechat_share_http_requests_in_flight')).toBe(1);
    expect(sample(text, 'wechat_share_http_requests_total{route="other",status="404"}')).toBeUndefined();
  });
});
