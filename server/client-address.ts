/**
 * The address of the client behind a request. Behind a reverse proxy every connection comes from the proxy,
 * so the proxy's `X-Forwarded-For` names the client; but any client can send that header itself, so it is
 * believed only from the proxies the operator lists (`--trust-proxy`), hop by hop from the right, as
 * Express's `trust proxy` does (the same `proxy-addr` package). Without a list, the header is ignored and
 * the client is the peer of the TCP connection.
 *
 * Per-IP counts, per-IP limits and the logs all read this address.
 */
import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/** Whether the hop at `addr` (the i-th from the right) is a trusted proxy. */
export type TrustProxy = (addr: string, i: number) => boolean;

/** Trusts no proxy: `X-Forwarded-For` is ignored. */
export const TRUST_NONE: TrustProxy = () => false;

/**
 * Compiles a list of trusted proxies: IPv4/IPv6 addresses, CIDR ranges (`10.0.0.0/8`, `fd00::/8`), or the
 * names `loopback`, `linklocal`, `uniquelocal`. Throws an `Error` naming the bad entry.
 */
export function compileTrustProxy(list: readonly string[]): TrustProxy {
  if (list.length === 0) return TRUST_NONE;
  for (const entry of list) {
    if (typeof entry !== 'string' || entry.trim() === '') throw new Error('trustProxy: an empty entry');
    try {
      proxyaddr.compile(entry.trim());
    } catch (err) {
      throw new Error(`trustProxy: "${entry.slice(0, 100)}" is not an IP address, a CIDR range or loopback/linklocal/uniquelocal (${(err as Error).message})`);
    }
  }
  return proxyaddr.compile(list.map((e) => e.trim()));
}

/** The client's address: the rightmost `X-Forwarded-For` hop not trusted, IPv4-mapped IPv6 shown as IPv4. */
export function clientAddress(req: IncomingMessage, trust: TrustProxy): string {
  let address: string;
  try {
    address = proxyaddr(req, trust);
  } catch {
    address = req.socket?.remoteAddress ?? '';
  }
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address || 'unknown';
}

/** Open connections per client address, with a cap (0: no cap). */
export class AddressCounter {
  readonly #counts = new Map<string, number>();
  constructor(readonly max: number) {}

  /** Whether one more connection from `address` fits. */
  admits(address: string): boolean {
    return this.max === 0 || (this.#counts.get(address) ?? 0) < this.max;
  }

  /** Counts a connection from `address`; returns the function that uncounts it (idempotent). */
  add(address: string): () => void {
    this.#counts.set(address, (this.#counts.get(address) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = (this.#counts.get(address) ?? 1) - 1;
      if (n <= 0) this.#counts.delete(address);
      else this.#counts.set(address, n);
    };
  }

  /** Connections from `address` now. */
  count(address: string): number {
    return this.#counts.get(address) ?? 0;
  }

  /** Distinct addresses connected now. */
  get addresses(): number {
    return this.#counts.size;
  }
}
