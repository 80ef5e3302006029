import dns from 'node:dns';
import net from 'node:net';
import { AppError, ValidationError } from '../errors/index.js';
import { ssrfErrorCodes } from './ssrf-errors.js';

export { ssrfErrorCodes, type SsrfErrorCode } from './ssrf-errors.js';

/**
 * Keeps webhooks (URLs that users give us and our servers then call) away from the machines behind us: the
 * metadata service at 169.254.169.254, the admin port on localhost, the rest of the private network. Two
 * checks, because a host name can resolve differently later (DNS rebinding): `checkWebhookUrl` when a rule is
 * made, and `guardedLookup` on every delivery's connection, which refuses the addresses it resolves to.
 */

type Ipv4Range = [base: number, prefix: number];

const ipv4 = (text: string): number => text.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
const v4 = (cidr: string): Ipv4Range => {
  const [base, prefix] = cidr.split('/');
  return [ipv4(base), Number(prefix)];
};

/** Not reachable on the public internet, or not a host at all (RFC 6890 special-purpose registry). */
const NON_PUBLIC_V4: Ipv4Range[] = [
  '0.0.0.0/8', // "this network"; 0.0.0.0 reaches localhost on many stacks
  '10.0.0.0/8',
  '100.64.0.0/10', // carrier-grade NAT
  '127.0.0.0/8',
  '169.254.0.0/16', // link-local: cloud metadata services
  '172.16.0.0/12',
  '192.0.0.0/24', // IETF protocol assignments
  '192.0.2.0/24', // documentation
  '192.88.99.0/24', // 6to4 relay anycast (deprecated)
  '192.168.0.0/16',
  '198.18.0.0/15', // benchmarking
  '198.51.100.0/24', // documentation
  '203.0.113.0/24', // documentation
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, and 255.255.255.255 broadcast
].map(v4);

function inV4Range(address: number, [base, prefix]: Ipv4Range): boolean {
  const size = 2 ** (32 - prefix);
  return Math.floor(address / size) === Math.floor(base / size);
}

function isPublicV4(address: number): boolean {
  return !NON_PUBLIC_V4.some((range) => inV4Range(address, range));
}

/** The eight 16-bit groups of a valid IPv6 address (an embedded dotted IPv4 tail included). */
function ipv6Groups(text: string): number[] {
  let head = text;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted !== null) {
    const value = ipv4(dotted[1]);
    tail.push(Math.floor(value / 65536), value % 65536);
    head = text.slice(0, -dotted[1].length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const double = head.indexOf('::');
  let groups: number[];
  if (double === -1) groups = [...parse(head), ...tail];
  else {
    const left = parse(head.slice(0, double));
    const right = [...parse(head.slice(double + 2)), ...tail];
    groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  }
  return groups;
}

function isPublicV6(groups: number[]): boolean {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups;
  const embeddedV4 = g6 * 65536 + g7;
  const zeroPrefix = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  // ::ffff:a.b.c.d (IPv4-mapped) reaches the IPv4 address itself; ::a.b.c.d (IPv4-compatible, deprecated) too
  if (zeroPrefix && g5 === 0xffff) return isPublicV4(embeddedV4);
  if (zeroPrefix && g5 === 0) return embeddedV4 > 1 && isPublicV4(embeddedV4); // ::, ::1 are never public
  // 64:ff9b::/96 (NAT64) translates to the embedded IPv4 address
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return isPublicV4(embeddedV4);
  // 2002::/16 (6to4) carries an IPv4 address in groups 1-2
  if (g0 === 0x2002) return isPublicV4(g1 * 65536 + g2);
  // only global unicast (2000::/3) is public: this leaves out fc00::/7, fe80::/10, fec0::/10, ff00::/8, 100::/64
  if ((g0 & 0xe000) !== 0x2000) return false;
  if (g0 === 0x2001 && g1 === 0x0db8) return false; // documentation
  if (g0 === 0x2001 && g1 < 0x0200) return false; // 2001::/23 IETF protocol assignments (Teredo, ORCHID, ...)
  return true;
}

/**
 * Whether a webhook may be delivered to this IP address: false for loopback, private, link-local,
 * unique-local, CGNAT, multicast, broadcast, unspecified, documentation and reserved ranges, IPv4-mapped /
 * NAT64 / 6to4 forms of those, and anything that is not an IP address. An IPv6 zone (`%eth0`) is ignored.
 */
export function isPublicAddress(ip: string): boolean {
  if (typeof ip !== 'string') return false;
  const address = ip.replace(/%.*$/, '');
  const family = net.isIP(address);
  if (family === 4) return isPublicV4(ipv4(address));
  if (family === 6) return isPublicV6(ipv6Groups(address.toLowerCase()));
  return false;
}

function refused(host: string, address: string): ValidationError {
  return new ValidationError(
    `webhookUrl: host ${host} resolves to ${address}, a loopback, private, link-local or otherwise non-public address (set alerter.webhook.allowPrivate to allow it)`,
    { code: ssrfErrorCodes.webhookUrlRefused },
  );
}

// dns answers for a name that does not exist or has no addresses: asking again will not change that soon
const UNRESOLVED = new Set(['ENOTFOUND', 'ENODATA']);

function dnsError(host: string, error: unknown): AppError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && UNRESOLVED.has(code))
    return new ValidationError(`webhookUrl: host ${host} does not resolve (${code})`, {
      code: ssrfErrorCodes.webhookUrlUnresolved,
      cause: error,
    });
  return new AppError(ssrfErrorCodes.webhookDnsFailed, `resolving webhook host ${host} failed (${code ?? 'no code'})`, {
    retriable: true,
    cause: error,
  });
}

export interface CheckWebhookUrlOptions {
  /** deliver to loopback / private addresses too (alerter.webhook.allowPrivate): the host is then not resolved */
  allowPrivate: boolean;
  /** for tests: resolves a host name like dns.lookup with { all: true } */
  lookup?: (hostname: string) => Promise<dns.LookupAddress[]>;
}

const lookupAll = (hostname: string) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/**
 * Checks a webhook URL before a rule keeps it: parseable, http or https, no user name or password in it (it
 * would be sent to whoever the URL names and shown in every listing), and unless `allowPrivate` its host must
 * resolve only to public addresses (any non-public one refuses it). Resolves with the parsed URL and the
 * addresses; rejects with a ValidationError naming the host and address (code WEBHOOK_URL_REFUSED, or
 * WEBHOOK_URL_UNRESOLVED), or a retriable AppError when DNS itself failed.
 */
export async function checkWebhookUrl(
  url: string,
  options: CheckWebhookUrlOptions,
): Promise<{ url: URL; addresses: string[] }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new ValidationError(`webhookUrl: not a URL: ${JSON.stringify(String(url).slice(0, 200))}`, { cause: error });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new ValidationError(`webhookUrl: must use http or https, got ${parsed.protocol}`);
  if (parsed.username !== '' || parsed.password !== '')
    throw new ValidationError('webhookUrl: must not hold a user name or password (the signature authenticates us)');
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host.length === 0) throw new ValidationError('webhookUrl: has no host');
  if (options.allowPrivate) return { url: parsed, addresses: [] };
  if (net.isIP(host) !== 0) {
    if (!isPublicAddress(host)) throw refused(host, host);
    return { url: parsed, addresses: [host] };
  }
  let resolved: dns.LookupAddress[];
  try {
    resolved = await (options.lookup ?? lookupAll)(host);
  } catch (error) {
    throw dnsError(host, error);
  }
  if (resolved.length === 0) throw dnsError(host, Object.assign(new Error('no addresses'), { code: 'ENODATA' }));
  const bad = resolved.find((a) => !isPublicAddress(a.address));
  if (bad !== undefined) throw refused(host, bad.address);
  return { url: parsed, addresses: resolved.map((a) => a.address) };
}

/**
 * A `lookup` for node:http / node:https request options (and net.connect) that resolves like dns.lookup and
 * fails the connection with WEBHOOK_URL_REFUSED when any address is not public, so a host that passed
 * checkWebhookUrl and then rebinds to 127.0.0.1 is still refused at delivery. With `allowPrivate` it is plain
 * dns.lookup. Node does not call `lookup` for an IP-literal host, so the deliverer must also run
 * checkWebhookUrl (no DNS for a literal) before each delivery.
 */
export function guardedLookup(allowPrivate: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      if (!allowPrivate) {
        const bad = addresses.find((a) => !isPublicAddress(a.address));
        if (bad !== undefined) return callback(refused(hostname, bad.address) as NodeJS.ErrnoException, []);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (first === undefined)
        return callback(Object.assign(new Error(`no addresses for ${hostname}`), { code: 'ENODATA' }), []);
      callback(null, first.address, first.family);
    });
  };
}
