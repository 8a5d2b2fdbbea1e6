// The yardstick of npm run bench:service: a raw node:http handler answering a fixed signature
// JSON with the same headers as the service, and nothing else. Prints its port once listening.
import { createServer } from 'node:http';

const body = JSON.stringify({ appId: 'wx_bench_service', timestamp: 1767225600, nonceStr: 'Wm3WZYTPz0wzccnW', signature: '0f9de62fce790f9a083d5c99e95740ceb90c27ed' });
const server = createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
