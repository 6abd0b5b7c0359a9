import { isIP } from 'node:net';
import { ConfigError } from './config-error.js';

/**
 * Which proxies' X-Forwarded-For decides the client address: none (false), the nearest `n`
 * hops, or the proxies at these addresses and CIDRs (Fastify's `trustProxy`).
 */
export type TrustProxy = false | number | string[];

/** proxy-addr's names for ranges: 127.0.0.0/8 and ::1, link-local, private (10/8, 172.16/12, 192.168/16, fc00::/7). */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** TRUST_PROXY: `false` or unset, a hop count, or a comma-separated list of addresses, CIDRs and range names. */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  if (value === undefined || /^(false|0)$/i.test(value)) return false;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address);
    const validPrefix =
      prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
    if (!RANGE_NAMES.has(entry) && (family === 0 || !validPrefix || extra !== undefined)) {
      throw new ConfigError(
        `Invalid configuration: TRUST_PROXY must be false, a hop count, or comma-separated addresses, CIDRs, loopback, linklocal or uniquelocal (got '${value}')`,
      );
    }
  }
  return entries;
}
