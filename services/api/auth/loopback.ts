import { isIPv4 } from 'node:net';

/**
 * Whether a socket's remote address is this machine: 127.0.0.0/8, ::1, or an IPv4 loopback address mapped
 * into IPv6 (::ffff:127.x.y.z, what a dual-stack socket reports). The socket's own address, never a header:
 * X-Forwarded-For is whatever the client writes.
 */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const lower = address.toLowerCase();
  if (lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
  const v4 = lower.startsWith('::ffff:') ? lower.slice('::ffff:'.length) : lower;
  return isIPv4(v4) && v4.startsWith('127.');
}
