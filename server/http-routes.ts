/**
 * The HTTP side: health, Prometheus metrics, the widget bundle other sites load as a module script, and the
 * demo page with its assets.
 */
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { TrustProxy } from './client-address.js';
import { compressedFile } from './compressed-file.js';
import type { ServerMetrics } from './metrics.js';

/** Cache lifetime of the widget bundle: short, so a redeploy reaches pages soon; ETags make refetches cheap. */
export const WIDGET_MAX_AGE_SECONDS = 300;

/** What the routes read from the running server. */
export interface HttpRouteContext {
  metrics: ServerMetrics;
  widgetPath: string;
  demoDir: string;
  /** Live counters for /healthz. */
  stats: () => { rooms: number; sockets: number; peers: number; redis?: 'up' | 'down' };
  isClosing: () => boolean;
  startedAt: number;
  /** Where the routes live: `''` (root) or `/a/b`. */
  basePath: string;
  /** Proxies whose `X-Forwarded-For` Express believes for `req.ip` (routes an embedder adds). */
  trustProxy: TrustProxy;
}

/** The body of `GET /healthz`. */
export interface HealthReport {
  status: 'ok' | 'shutting-down';
  /** Rooms with a peer on this process. */
  rooms: number;
  /** Connected sockets on this process. */
  sockets: number;
  /** Joined peers on this process. */
  peers: number;
  /** Seconds since the server was created. */
  uptime: number;
  memory: { rss: number; heapUsed: number };
  /** With scale-out: whether the Redis connection is up (while down, joins fail with `internal`). */
  redis?: 'up' | 'down';
}

/** Creates the Express app with every route, under `ctx.basePath`. */
export function createHttpApp(ctx: HttpRouteContext): Express {
  const root = express();
  root.disable('x-powered-by');
  root.set('trust proxy', ctx.trustProxy);
  root.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  const app = express.Router();
  if (ctx.basePath) {
    // `/watch` itself redirects to `/watch/`, so the demo's relative URLs resolve under the path.
    root.use((req, res, next) => {
      const q = req.url.indexOf('?');
      if ((q === -1 ? req.url : req.url.slice(0, q)) !== ctx.basePath) return next();
      res.redirect(301, `${ctx.basePath}/${q === -1 ? '' : req.url.slice(q)}`);
    });
  }
  root.use(ctx.basePath || '/', app);

  app.get('/healthz', (_req, res) => {
    const { rooms, sockets, peers, redis } = ctx.stats();
    const mem = process.memoryUsage();
    const report: HealthReport = {
      status: ctx.isClosing() ? 'shutting-down' : 'ok',
      rooms,
      sockets,
      peers,
      uptime: (Date.now() - ctx.startedAt) / 1000,
      memory: { rss: mem.rss, heapUsed: mem.heapUsed },
    };
    if (redis) report.redis = redis;
    res.status(ctx.isClosing() ? 503 : 200).setHeader('Cache-Control', 'no-store').json(report);
  });

  app.get('/metrics', async (_req, res, next) => {
    try {
      const body = await ctx.metrics.registry.metrics();
      res.setHeader('Content-Type', ctx.metrics.registry.contentType).setHeader('Cache-Control', 'no-store').send(body);
    } catch (err) {
      next(err);
    }
  });

  // Other sites load the bundle as a module script, which is a CORS request.
  const corsHeaders = { 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin' };
  const sendWidget = (file: string) => {
    // Scripts go compressed to clients that accept it (compressed-file.ts); source maps and others as they are.
    const compressed = file.endsWith('.js') ? compressedFile(file, corsHeaders, WIDGET_MAX_AGE_SECONDS) : undefined;
    return (req: Request, res: Response, next: NextFunction) => {
      if (!existsSync(file)) {
        res.status(404).type('text/plain').send('The widget bundle is not built yet: run `npm run build`.\n');
        return;
      }
      try {
        if (compressed?.(req, res)) return;
      } catch (err) {
        return next(err);
      }
      res.sendFile(
        file,
        {
          headers: corsHeaders,
          maxAge: WIDGET_MAX_AGE_SECONDS * 1000,
          etag: true,
          lastModified: true,
        },
        (err) => err && next(err),
      );
    };
  };
  app.get('/paxos-video.js', sendWidget(ctx.widgetPath));
  app.get('/paxos-video.js.map', sendWidget(`${ctx.widgetPath}.map`));
  // The inspector is a separate bundle beside the widget, loaded only by pages that show it.
  const inspectorPath = join(dirname(ctx.widgetPath), 'paxos-inspector.js');
  app.get('/paxos-inspector.js', sendWidget(inspectorPath));
  app.get('/paxos-inspector.js.map', sendWidget(`${inspectorPath}.map`));

  // The demo and its assets (videos are served with range requests by express.static).
  app.use(express.static(ctx.demoDir, { index: 'index.html', maxAge: 0 }));

  root.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  root.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : 500;
    if (!res.headersSent) res.status(status).json({ error: status === 500 ? 'internal error' : 'request failed' });
  });
  return root;
}
