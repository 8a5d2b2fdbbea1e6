import { describe, expect, it, vi } from 'vitest';
import { options, rejection, quietPage } from './common';
import { APP_ID, delay, ENDPOINT, http, HttpResponse, JWEIXIN_VERSIONS, openPage, ORIGIN, server, signatureFor, signingEndpoint, useJweixin } from '../helpers/wechat';

quietPage();

// Every case runs on jweixin 1.4.0 and 1.6.0 alike.
describe.each(JWEIXIN_VERSIONS)('jweixin %s', (version) => {
  useJweixin(version);

  describe('signing request', () => {
    it('appends url with & when the endpoint has a query, and sends POST as a form', async () => {
      const seen: string[] = [];
      server.use(
        http.get(`${ORIGIN}/sign`, ({ request }) => {
          const query = new URL(request.url).searchParams;
          seen.push(`GET token=${query.get('token')} url=${query.get('url')}`);
          return HttpResponse.json(signatureFor(query.get('url')!));
        }),
        http.post(`${ORIGIN}/sign`, async ({ request }) => {
          const form = new URLSearchParams(await request.text());
          seen.push(`POST ${request.headers.get('content-type')?.split(';')[0]} url=${form.get('url')}`);
          return HttpResponse.json(signatureFor(form.get('url')!));
        }),
      );
      const { sdk } = await openPage({ path: '/x?y=1', platform: 'android' });
      await sdk.setupShare({}, { endpoint: '/sign?token=t' });
      history.pushState(null, '', '/z');
      await sdk.setupShare({}, { endpoint: '/sign', method: 'POST' });
      expect(seen).toEqual([
        `GET token=t url=${ORIGIN}/x?y=1`,
        `POST application/x-www-form-urlencoded url=${ORIGIN}/z`,
      ]);
    });

    it('accepts appid, noncestr, a string timestamp, an envelope, and appId from options', async () => {
      server.use(signingEndpoint({
        answer: (url) => {
          const { timestamp, nonceStr, signature } = signatureFor(url);
          return { code: 0, data: { noncestr: nonceStr, timestamp: String(timestamp), signature } };
        },
      }));
      const { sdk, bridge } = await openPage();
      await expect(sdk.setupShare({}, { ...options, appId: APP_ID })).resolves.toMatchObject({ status: 'ready' });
      expect(bridge.state.configs[0].appId).toBe(APP_ID);
    });

    it.each([
      ['HTTP 500', () => new HttpResponse('upstream down', { status: 500 }), /HTTP 500 upstream down/],
      ['not JSON', () => new HttpResponse('<html>', { status: 200 }), /JSON/],
      ['a network error', () => HttpResponse.error(), /Failed to fetch|fetch failed|network/i],
    ])('rejects SIGN_REQUEST_FAILED on %s', async (_, reply, message) => {
      server.use(http.get(ENDPOINT, reply));
      const { sdk } = await openPage();
      const error = await rejection(sdk, sdk.setupShare({}, options));
      expect(error.code).toBe('SIGN_REQUEST_FAILED');
      expect(error.message).toMatch(message);
      expect(error.message).toContain(ENDPOINT);
    });

    it('rejects SIGN_REQUEST_FAILED when the endpoint does not answer within timeout', async () => {
      server.use(signingEndpoint({ wait: 5000 }));
      const { sdk } = await openPage();
      const error = await rejection(sdk, sdk.setupShare({}, { ...options, timeout: 150 }));
      expect(error).toMatchObject({ code: 'SIGN_REQUEST_FAILED' });
      expect(error.message).toMatch(/timed out \(150 ms\)/);
    });

    it('rejects SIGN_RESPONSE_INVALID naming what is missing', async () => {
      server.use(signingEndpoint({ answer: () => ({ appId: APP_ID, timestamp: 'soon', nonce: 'x' }) }));
      const { sdk } = await openPage();
      const error = await rejection(sdk, sdk.setupShare({}, options));
      expect(error.code).toBe('SIGN_RESPONSE_INVALID');
      expect(error.message).toMatch(/lacks timestamp, nonceStr, signature/);
    });

    it('lets sign() replace the request, and wraps its failures', async () => {
      const { sdk } = await openPage();
      const sign = vi.fn(async (url: string) => signatureFor(url));
      await expect(sdk.setupShare({}, { sign })).resolves.toMatchObject({ status: 'ready' });
      expect(sign).toHaveBeenCalledWith(`${ORIGIN}/`);
      history.pushState(null, '', '/next');
      const error = await rejection(sdk, sdk.setupShare({}, { sign: () => Promise.reject(new Error('401 login first')) }));
      expect(error).toMatchObject({ code: 'SIGN_REQUEST_FAILED' });
      expect(error.message).toMatch(/401 login first/);
      expect((error.cause as Error).message).toBe('401 login first');
    });

    it.each([
      ['null', null, /lacks appId, timestamp, nonceStr, signature: null$/],
      ['a timestamp with letters after the digits', { appId: APP_ID, timestamp: '1700000000x', nonceStr: 'n', signature: 's' }, /lacks timestamp/],
      ['a timestamp with letters before the digits', { appId: APP_ID, timestamp: 'x1700000000', nonceStr: 'n', signature: 's' }, /lacks timestamp/],
    ])('rejects SIGN_RESPONSE_INVALID for %s', async (_, answer, message) => {
      server.use(signingEndpoint({ answer: () => answer }));
      const { sdk } = await openPage();
      const error = await rejection(sdk, sdk.setupShare({}, options));
      expect(error).toMatchObject({ code: 'SIGN_RESPONSE_INVALID', message: expect.stringMatching(message) });
    });

    it('quotes at most 200 characters of a bad answer, and names sign() when it resolves with nothing', async () => {
      const long = { appId: APP_ID, note: 'x'.repeat(500) };
      server.use(signingEndpoint({ answer: () => long }));
      const { sdk } = await openPage();
      const error = await rejection(sdk, sdk.setupShare({}, options));
      expect(error.message).toBe(`Signing answer lacks timestamp, nonceStr, signature: ${JSON.stringify(long).slice(0, 200)}`);
      history.pushState(null, '', '/other');
      const empty = await rejection(sdk, sdk.setupShare({}, { sign: async () => undefined }));
      expect(empty.message).toBe('Signing answer lacks appId, timestamp, nonceStr, signature: undefined');
      const failed = await rejection(sdk, sdk.setupShare({}, { sign: () => Promise.reject(new Error('no')) }));
      expect(failed.message).toBe('Signing failed (sign): Error: no');
    });

    it('quotes at most 200 characters of a non-2xx body', async () => {
      server.use(http.get(ENDPOINT, () => new HttpResponse('e'.repeat(300), { status: 503 })));
      const { sdk } = await openPage();
      const error = await rejection(sdk, sdk.setupShare({}, options));
      expect(error.message).toBe(`Signing failed (${ENDPOINT}): Error: HTTP 503 ${'e'.repeat(200)}`);
    });

    it('appends url with & to an endpoint that is only a query', async () => {
      const seen: string[] = [];
      server.use(http.get(`${ORIGIN}/`, ({ request }) => {
        const query = new URL(request.url).searchParams;
        seen.push(`${query.get('action')} ${query.get('url')}`);
        return HttpResponse.json(signatureFor(query.get('url')!));
      }));
      const { sdk } = await openPage();
      await expect(sdk.setupShare({}, { endpoint: '?action=sign' })).resolves.toMatchObject({ status: 'ready' });
      expect(seen).toEqual([`sign ${ORIGIN}/`]);
    });

    it('rejects INVALID_OPTIONS without an endpoint', async () => {
      const { sdk } = await openPage();
      const error = await rejection(sdk, sdk.setupShare({}));
      expect(error.code).toBe('INVALID_OPTIONS');
      expect(error.message).toMatch(/endpoint/);
    });

    it('aborts the signing request when it times out, so that nothing keeps running', async () => {
      let aborted = false;
      server.use(
        http.get(ENDPOINT, async ({ request }) => {
          await new Promise((resolve) => request.signal.addEventListener('abort', resolve));
          aborted = true;
          return HttpResponse.json({});
        }),
      );
      const { sdk } = await openPage();
      await rejection(sdk, sdk.setupShare({}, { ...options, timeout: 100 }));
      await vi.waitFor(() => expect(aborted).toBe(true));
    });

    it('forgets a failed signing request, so that the next call asks again', async () => {
      let calls = 0;
      server.use(http.get(ENDPOINT, ({ request }) => (++calls === 1 ? new HttpResponse('busy', { status: 503 }) : HttpResponse.json(signatureFor(new URL(request.url).searchParams.get('url')!)))));
      const { sdk } = await openPage();
      const error = await rejection(sdk, sdk.setupShare({}, options));
      expect(error.code).toBe('SIGN_REQUEST_FAILED');
      await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ status: 'ready' });
      expect(calls).toBe(2);
    });

    describe('long URLs (GET limits: nginx 8 KB request line, Node 16 KB headers)', () => {
      // The page path whose GET request target, /api/wechat/signature?url=…, has `length` characters.
      const pathFor = (length: number) => {
        const prefix = `/long?q=`;
        const fixed = `${new URL(ENDPOINT).pathname}?url=`.length + encodeURIComponent(`${ORIGIN}${prefix}`).length;
        return prefix + 'a'.repeat(length - fixed);
      };
      const methods: string[] = [];
      const both = () => {
        methods.length = 0;
        server.use(
          http.get(ENDPOINT, ({ request }) => {
            methods.push(`GET ${new URL(request.url).pathname.length + new URL(request.url).search.length}`);
            return HttpResponse.json(signatureFor(new URL(request.url).searchParams.get('url')!));
          }),
          http.post(ENDPOINT, async ({ request }) => {
            methods.push('POST');
            return HttpResponse.json(signatureFor(new URLSearchParams(await request.text()).get('url')!));
          }),
        );
      };

      it('sends POST when method is not set and the GET request target would pass 8,000 characters', async () => {
        both();
        const { sdk } = await openPage({ path: pathFor(8000) });
        await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ status: 'ready' });
        history.pushState(null, '', pathFor(8001));
        await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ status: 'ready' });
        expect(methods).toEqual(['GET 8000', 'POST']);
      });

      it('keeps GET when method says so, however long the URL', async () => {
        both();
        const { sdk } = await openPage({ path: pathFor(9000) });
        await expect(sdk.setupShare({}, { ...options, method: 'GET' })).resolves.toMatchObject({ status: 'ready' });
        expect(methods).toEqual(['GET 9000']);
      });

      it.each([414, 431])('says the URL is too long for GET and names method: \'POST\' on a %i answer', async (status) => {
        server.use(http.get(ENDPOINT, () => new HttpResponse(null, { status })));
        const { sdk } = await openPage({ path: pathFor(7000) });
        const error = await rejection(sdk, sdk.setupShare({}, options));
        expect(error.code).toBe('SIGN_REQUEST_FAILED');
        expect(error.message).toMatch(new RegExp(`HTTP ${status} URL too long: use method: 'POST'`));
      });

      it('quotes the body of a 431 answer to POST (its headers are too large, not its URL)', async () => {
        server.use(http.post(ENDPOINT, () => new HttpResponse('cookies', { status: 431 })));
        const { sdk } = await openPage();
        const error = await rejection(sdk, sdk.setupShare({}, { ...options, method: 'POST' }));
        expect(error.message).toMatch(/HTTP 431 cookies$/);
      });
    });

    describe('an endpoint on another origin', () => {
      const OTHER = 'https://api.example.net/sign';

      it('names CORS and the server\'s allowedOrigins in the hint when the request fails at the network level', async () => {
        server.use(http.get(OTHER, () => HttpResponse.error()));
        const { sdk } = await openPage();
        const error = await rejection(sdk, sdk.setupShare({}, { endpoint: OTHER }));
        expect(error).toMatchObject({ code: 'SIGN_REQUEST_FAILED', hint: expect.stringMatching(/CORS.*allowedOrigins/) });
        expect(error.message).toContain(OTHER);
      });

      it('gives no such hint for an answer, a timeout, a network error on the page\'s own origin, or a sign function\'s', async () => {
        server.use(http.get(OTHER, () => new HttpResponse('down', { status: 502 })), http.get(ENDPOINT, () => HttpResponse.error()));
        const { sdk } = await openPage();
        const hintOf = async (settings: object) => {
          const error = await rejection(sdk, sdk.setupShare({}, settings));
          expect(error.code).toBe('SIGN_REQUEST_FAILED');
          return error.hint;
        };
        expect(await hintOf({ endpoint: OTHER })).toBeUndefined();
        expect(await hintOf(options)).toBeUndefined();
        server.use(http.get(OTHER, () => delay('infinite')));
        expect(await hintOf({ endpoint: OTHER, timeout: 100 })).toBeUndefined();
        // Nor for a sign function's network error: where it sent its request is its own affair.
        expect(await hintOf({ sign: () => Promise.reject(new TypeError('Failed to fetch')) })).toBeUndefined();
      });
    });
  });
});
