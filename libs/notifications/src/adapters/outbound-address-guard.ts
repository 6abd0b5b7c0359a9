import dns from 'node:dns';
import net from 'node:net';

/**
 * Where webhooks may not connect (docs/decisions/0073): loopback, private, link-local, shared
 * (CGNAT), unspecified, documentation, multicast and reserved ranges; an IPv4-mapped IPv6 address is
 * judged by its IPv4 address.
 */
const REFUSED = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  REFUSED.addSubnet(prefix, bits, 'ipv4');
for (const [prefix, bits] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  REFUSED.addSubnet(prefix, bits, 'ipv6');

/** The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, or `::ffff:7f00:1` as URLs write it) stands for. */
function mappedIpv4(address: string): string | undefined {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return undefined;
  const [high, low] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** True when `address` (an IP literal) is one webhooks may not reach. */
export function isRefusedAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return true;
  const ipv4 = family === 4 ? address : mappedIpv4(address);
  // (BlockList matches IPv4 addresses against IPv6 rules too, so the mapped range is not a rule.)
  return ipv4 ? REFUSED.check(ipv4, 'ipv4') : REFUSED.check(address, 'ipv6');
}

export class RefusedAddressError extends Error {
  readonly code = 'ERR_WEBHOOK_ADDRESS_REFUSED';
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for the HTTP agent: resolves as Node does, then refuses the connection when any
 * address is a refused one. The addresses checked are the ones the socket then connects to, so a
 * name that resolves to a public address when registered and to 127.0.0.1 later (DNS rebinding)
 * is refused at the moment it matters.
 */
export function guardedLookup(hostname: string, options: dns.LookupOptions, callback: LookupCallback): void {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const refused = addresses.find((a) => isRefusedAddress(a.address));
    if (refused)
      return callback(
        new RefusedAddressError(
          `${hostname} resolves to ${refused.address}: webhooks may not reach loopback, private or link-local addresses`,
        ),
        [],
      );
    if (options.all) return callback(null, addresses);
    const [first] = addresses;
    callback(null, first.address, first.family);
  });
}
