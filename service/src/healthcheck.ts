#!/usr/bin/env node
// The container's HEALTHCHECK, so that the image needs no curl: GET /livez on the public
// listener; exit 0 when it answers 200 within 2 s, else 1. Liveness, not readiness: a
// WeChat outage must not get every container restarted (load balancers read /readyz).
import { get } from 'node:http';
import { loadEnvironment } from './readConfig.js';

let port: number;
let host: string;
try {
  const config = loadEnvironment();
  port = config.port;
  // A wildcard address is reached on loopback; a specific one only on itself.
  host = ['0.0.0.0', '::', ''].includes(config.host) ? '127.0.0.1' : config.host;
} catch {
  process.exit(1);
}
const request = get({ host, port, path: '/livez', timeout: 2000 }, (response) => {
  response.resume();
  process.exit(response.statusCode === 200 ? 0 : 1);
});
request.on('timeout', () => request.destroy());
request.on('error', () => process.exit(1));
