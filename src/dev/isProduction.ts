// Values of NODE_ENV that mean production. `prod` counts: deploy scripts use it, and a dev tool that
// refuses to start when someone meant development is a loud, one-line fix, while one that runs in
// production signs any host and answers anyone (issue 16, item 4).
const PRODUCTION = new Set(['production', 'prod']);

/**
 * Whether `NODE_ENV` says production: `production` or `prod`, compared trimmed and case-blind, so
 * `PRODUCTION`, `Prod` and `"production "` (a stray space from a shell or a `.env` file) all count.
 * The development tools (`createDevMiddleware`, `createVerifyHandler`, the Vite plugin) refuse to run
 * then. Unset or empty is not production: those tools then answer loopback clients only.
 */
export function isProduction(): boolean {
  const env = typeof process !== 'undefined' ? process.env?.NODE_ENV : undefined;
  return typeof env === 'string' && PRODUCTION.has(env.trim().toLowerCase());
}
