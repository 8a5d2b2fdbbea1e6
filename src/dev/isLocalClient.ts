// Who may use the development tools: this machine only, unless the developer says otherwise
// (`allowRemote`). On `vite --host 0.0.0.0`, a LAN, or a server deployed with NODE_ENV unset, the
// fake WeChat API would sign any host, the verify endpoint would answer anyone and every visitor's
// page would carry the simulator (issue 16, item 4).

const IPV4_LOOPBACK = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const IPV6_LOOPBACK = /^(?:::|(?:0{1,4}:){7})0{0,3}1$/;

// 127.0.0.0/8, ::1 (short or full form) and IPv4-mapped 127.x (::ffff:127.0.0.1), the forms node:net
// reports; anything else, including what cannot be read, is not loopback.
function isLoopbackAddress(address: string): boolean {
  const a = address.toLowerCase();
  const v4 = IPV4_LOOPBACK.exec(a.startsWith('::ffff:') ? a.slice(7) : a);
  if (v4) return v4.slice(1).every((octet) => Number(octet) <= 255);
  return IPV6_LOOPBACK.test(a);
}

// One address as forwarding headers write it: maybe quoted, IPv6 in brackets, maybe with a port.
function bareAddress(value: string): string {
  const v = value.trim().replace(/^"|"$/g, '');
  if (v.startsWith('[')) return v.slice(1, v.indexOf(']') >>> 0);
  // IPv4 with a port (a single colon); an IPv6 address has several.
  return v.split(':').length === 2 ? v.split(':')[0] : v;
}

// Every client address that a proxy in front of this server says it forwarded for.
function forwardedFor(header: (name: string) => string | null | undefined): string[] {
  const addresses: string[] = [];
  for (const name of ['x-forwarded-for', 'x-real-ip']) {
    const value = header(name);
    if (value) addresses.push(...value.split(','));
  }
  const forwarded = header('forwarded');
  if (forwarded) for (const match of forwarded.matchAll(/(?:^|[;,\s])for=("[^"]*"|[^;,\s]*)/gi)) addresses.push(match[1]);
  return addresses.map(bareAddress);
}

/**
 * Whether a request comes from this machine: its connection's peer (`remoteAddress`) is a loopback
 * address (127.0.0.0/8, `::1`, `::ffff:127.x.x.x`) and no forwarding header (`Forwarded`,
 * `X-Forwarded-For`, `X-Real-IP`) names any other client. The headers matter because a tunnel (ngrok,
 * frp, cloudflared) or a reverse proxy on this machine connects from loopback on behalf of remote
 * visitors. A header can only make a request less local, never more, so forging one gains nothing;
 * and a request whose peer is unknown is not local, whatever its headers say.
 *
 * @param remoteAddress - the socket's peer, as node:net reports it (`req.socket.remoteAddress`);
 *   `null` when the transport cannot tell, and `undefined` (a closed socket): neither is local, since
 *   a header can be forged and only a known loopback peer proves the client is this machine
 * @param header - reads one request header by its lower-case name
 */
export function isLocalClient(remoteAddress: string | null | undefined, header: (name: string) => string | null | undefined): boolean {
  if (typeof remoteAddress !== 'string' || !isLoopbackAddress(remoteAddress)) return false;
  return forwardedFor(header).every(isLoopbackAddress);
}

/**
 * The text of the 403 that a refused client gets from a development tool: why, and how to let other
 * devices in.
 * @param tool - what refused, such as `createDevMiddleware`
 * @param remoteAddress - the connection's peer, when known
 */
export function remoteRefusal(tool: string, remoteAddress: string | null | undefined): string {
  const why =
    typeof remoteAddress === 'string' && !isLoopbackAddress(remoteAddress)
      ? `${remoteAddress} is not this machine`
      : 'a proxy or tunnel forwarded this request from another machine';
  return (
    `wechat-share: ${tool} is a development tool and answers this machine (loopback) only; ${why}. ` +
    'To let other devices in (a phone on the LAN, a tunnel), pass allowRemote: true to createDevMiddleware(), wechatShare() or createVerifyHandler().'
  );
}
