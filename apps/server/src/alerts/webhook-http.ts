import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Addresses an org's webhook must not reach unless the operator allows it: loopback, private,
 * link-local (cloud metadata), carrier-grade NAT, unspecified, and their IPv6 counterparts.
 * Otherwise anyone who may manage an org's alerts could make the server call internal services.
 */
const privateNetworks = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
] as const) {
  privateNetworks.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  privateNetworks.addSubnet(network, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return privateNetworks.check(address, 'ipv4');
  if (family !== 6) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped !== undefined) return privateNetworks.check(mapped, 'ipv4');
  return privateNetworks.check(address, 'ipv6');
}

export class PrivateAddressError extends Error {
  constructor(readonly host: string, readonly address: string) {
    super(`refused: ${host} resolves to ${address}, a private or local address`);
    this.name = 'PrivateAddressError';
  }
}

/**
 * Refuses a webhook URL whose host is, or resolves to, a private address (checked when it is set;
 * deliveries check again when they connect).
 */
export async function publicWebhookProblem(url: string): Promise<string | undefined> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) !== 0 ? [host] : await lookupAll(host);
  if (addresses === undefined) return `${host} does not resolve to an address`;
  const refused = addresses.find((address) => isPrivateAddress(address));
  return refused === undefined ? undefined : `${host} is a private or local address (${refused}); webhooks go to public addresses`;
}

function lookupAll(host: string): Promise<string[] | undefined> {
  return new Promise((resolve) => {
    dnsLookup(host, { all: true }, (error, addresses: LookupAddress[]) => {
      resolve(error === null ? addresses.map((entry) => entry.address) : undefined);
    });
  });
}

/**
 * A DNS lookup that refuses private addresses: the check happens when the socket connects, on the
 * address it connects to, so a name that resolves differently later (DNS rebinding) is caught too.
 */
function publicOnlyLookup(): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error !== null) {
        callback(error, '', 0);
        return;
      }
      const refused = addresses.find((entry) => isPrivateAddress(entry.address));
      if (refused !== undefined) {
        callback(new PrivateAddressError(hostname, refused.address), '', 0);
        return;
      }
      if (options.all === true) {
        (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
        return;
      }
      const first = addresses[0];
      if (first === undefined) {
        callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
        return;
      }
      callback(null, first.address, first.family);
    });
  };
}

export interface WebhookResponse {
  status: number;
  /** The first bytes of the body (for the attempt log). */
  text: string;
}

const MAX_RESPONSE_BYTES = 4_096;

/**
 * POSTs a webhook body. Redirects are not followed; with `allowPrivateNetworks` false an address
 * literal or a name resolving to a private address is refused before any byte is sent.
 */
export function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: { timeoutMs: number; allowPrivateNetworks: boolean },
): Promise<WebhookResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const literal = target.hostname.replace(/^\[|\]$/g, '');
    if (!options.allowPrivateNetworks && isIP(literal) !== 0 && isPrivateAddress(literal)) {
      reject(new PrivateAddressError(target.hostname, literal));
      return;
    }
    const client = target.protocol === 'https:' ? https : http;
    const request = client.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        ...(options.allowPrivateNetworks ? {} : { lookup: publicOnlyLookup() }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8').slice(0, MAX_RESPONSE_BYTES) });
        });
        response.on('error', reject);
      },
    );
    // The whole exchange, not only each silence, is bounded.
    const deadline = setTimeout(() => {
      request.destroy(new Error(`no answer in ${String(options.timeoutMs)} ms`));
    }, options.timeoutMs);
    request.on('close', () => {
      clearTimeout(deadline);
    });
    request.on('error', reject);
    request.end(body);
  });
}
