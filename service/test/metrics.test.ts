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

  it('counts WeCom apps by corp_id and agent_id, apart from each other and from Official Accounts, in the same metrics', async () => {
    const metrics = createMetrics(() => [
      { owner: 'wx_a', credential: 'jsapi_ticket', seconds: 7000 },
      { owner: { corpId: 'ww_c', agentId: 1000002 }, credential: 'agent_jsapi_ticket', seconds: 6000 },
    ]);
    for (let i = 0; i < 3; i++) metrics.signed({ corpId: 'ww_c', agentId: 1000002 });
    metrics.signed({ corpId: 'ww_c', agentId: 1000003 });
    metrics.signed('wx_a');
    metrics.upstream({ corpId: 'ww_c', agentId: 1000002 }, '/cgi-bin/gettoken', '60020');
    metrics.upstream('wx_a', '/cgi-bin/stable_token', 'ok');
    const text = await metrics.registry.metrics();
    expect(sample(text, 'wechat_share_signatures_total{corp_id="ww_c",agent_id="1000002"}')).toBe(3);
    expect(sample(text, 'wechat_share_signatures_total{corp_id="ww_c",agent_id="1000003"}')).toBe(1);
    expect(sample(text, 'wechat_share_signatures_total{app_id="wx_a"}')).toBe(1);
    expect(sample(text, 'wechat_share_upstream_requests_total{corp_id="ww_c",agent_id="1000002",api="/cgi-bin/gettoken",outcome="60020"}')).toBe(1);
    expect(sample(text, 'wechat_share_upstream_requests_total{app_id="wx_a",api="/cgi-bin/stable_token",outcome="ok"}')).toBe(1);
    expect(sample(text, 'wechat_share_credential_ttl_seconds{corp_id="ww_c",agent_id="1000002",credential="agent_jsapi_ticket"}')).toBe(6000);
    expect(sample(text, 'wechat_share_credential_ttl_seconds{app_id="wx_a",credential="jsapi_ticket"}')).toBe(7000);
  });
});
