/**
 * A real, unprivileged nginx for the deployment tests: Debian's binary, run in the foreground with its own
 * prefix, config, pid, logs and temp folders in a temp folder, serving docs/deployment/nginx.conf (the
 * configuration the operator documentation shows) with only the listen address, the certificate paths
 * and the upstream port replaced, over TLS with a certificate made here by openssl.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { within } from '../support/wait.js';
import { findBinary, stopProcess } from './host.js';

const ROOT = new URL('../../', import.meta.url).pathname;
/** The documented site configuration this module runs. */
export const NGINX_SITE_CONF = join(ROOT, 'docs/deployment/nginx.conf');

export const HOW_TO_GET_NGINX =
  'No nginx found. Install it (Debian: `sudo apt-get install nginx`) or point NGINX_PATH at its binary; ' +
  'the test starts an instance of its own and never touches the system one.';

/** The nginx binary: NGINX_PATH, else Debian's, else one on PATH; undefined when there is none. */
export function findNginx(): string | undefined {
  return findBinary('NGINX_PATH', ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'], 'nginx');
}

/** A self-signed certificate for `host` (and `ip`), and the base64 SHA-256 of its public key (SPKI). */
export interface TestCertificate {
  certPath: string;
  keyPath: string;
  pem: string;
  /** What Chromium's `--ignore-certificate-errors-spki-list` takes. */
  spkiSha256: string;
}

/** Makes a P-256 certificate valid two days for `host` and `ip` with openssl, in `dir`. */
export function makeCertificate(dir: string, host: string, ip: string): TestCertificate {
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
      '-keyout', keyPath, '-out', certPath, '-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host},IP:${ip}`,
    ],
    { stdio: 'pipe' },
  );
  const pem = readFileSync(certPath, 'utf8');
  const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return { certPath, keyPath, pem, spkiSha256: createHash('sha256').update(spki).digest('base64') };
}

/** Replaces `from` in `text`, which must occur exactly once: the documented file and the test stay in step. */
function replaceOnce(text: string, from: string, to: string): string {
  const n = text.split(from).length - 1;
  if (n !== 1) throw new Error(`${NGINX_SITE_CONF}: expected "${from}" once, found it ${n} times`);
  return text.replace(from, to);
}

/** The documented site configuration with this run's listen address, certificate and upstream port. */
export function siteConfig(o: { listen: string; cert: TestCertificate; upstreamPort: number }): string {
  let text = readFileSync(NGINX_SITE_CONF, 'utf8');
  text = replaceOnce(text, 'listen 443 ssl;', `listen ${o.listen} ssl;`);
  text = replaceOnce(text, '/etc/ssl/site.example/fullchain.pem', o.cert.certPath);
  text = replaceOnce(text, '/etc/ssl/site.example/privkey.pem', o.cert.keyPath);
  text = replaceOnce(text, 'server 127.0.0.1:8080;', `server 127.0.0.1:${o.upstreamPort};`);
  return text;
}

/** A running nginx. */
export interface Nginx {
  process: ChildProcess;
  /** The access log so far. */
  accessLog(): string;
  /** The error log so far. */
  errorLog(): string;
  stop(): Promise<void>;
}

/**
 * Starts `binary` with a main configuration of its own in `dir` that includes `site` (an http-context
 * file). Resolves once nginx answers `probeUrl` over TLS (any status), or rejects with its error log.
 */
export async function startNginx(binary: string, dir: string, site: string, probe: { host: string; port: number; servername: string; ca: string }): Promise<Nginx> {
  for (const sub of ['tmp/client_body', 'tmp/proxy', 'tmp/fastcgi', 'tmp/uwsgi', 'tmp/scgi', 'logs']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'site.conf'), site);
  const main = [
    // As root (CI, or scripts/netns.sh's user namespace), workers would switch to `nobody`, which that
    // namespace cannot map: they stay root instead. Unprivileged, nginx runs as whoever starts it.
    ...(process.getuid?.() === 0 ? ['user root;'] : []),
    'daemon off;',
    'worker_processes 1;',
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'logs/error.log')} info;`,
    'events { worker_connections 256; }',
    'http {',
    `  access_log ${join(dir, 'logs/access.log')};`,
    `  client_body_temp_path ${join(dir, 'tmp/client_body')};`,
    `  proxy_temp_path ${join(dir, 'tmp/proxy')};`,
    `  fastcgi_temp_path ${join(dir, 'tmp/fastcgi')};`,
    `  uwsgi_temp_path ${join(dir, 'tmp/uwsgi')};`,
    `  scgi_temp_path ${join(dir, 'tmp/scgi')};`,
    `  include ${join(dir, 'site.conf')};`,
    '}',
  ].join('\n');
  writeFileSync(join(dir, 'nginx.conf'), `${main}\n`);
  const read = (name: string) => (existsSync(join(dir, 'logs', name)) ? readFileSync(join(dir, 'logs', name), 'utf8') : '');
  // -e: the error log before the configuration is read, so nginx never opens /var/log/nginx.
  const child = spawn(binary, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'logs/error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`nginx exited (${code}): ${output}\n${read('error.log').slice(-2000)}`))),
  );
  exited.catch(() => {});
  // SIGQUIT: a graceful stop that lets open requests finish.
  const stop = () => stopProcess(child, 'SIGQUIT', 'nginx');
  try {
    await within(Promise.race([waitForTls(probe), exited]), `nginx on ${probe.host}:${probe.port}`, 15_000);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${read('error.log').slice(-2000)}`);
  }
  return { process: child, accessLog: () => read('access.log'), errorLog: () => read('error.log'), stop };
}

/** GET over TLS, trusting only `ca`, with SNI and Host `servername`; resolves with status, headers and body. */
export function httpsGet(
  o: { host: string; port: number; servername: string; ca: string },
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: o.host, port: o.port, path, servername: o.servername, ca: o.ca, headers: { Host: `${o.servername}:${o.port}`, ...headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.once('error', reject);
    req.end();
  });
}

async function waitForTls(o: { host: string; port: number; servername: string; ca: string }): Promise<void> {
  for (;;) {
    try {
      await httpsGet(o, '/');
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
