/**
 * `pipeline dashboard`: the run report's sections, live. A small HTTP server on 127.0.0.1 only,
 * reading the configured store (never writing it: the stores are {@link ReadCache}s), that looks
 * at each section's objects every second and, when a section's objects changed, reads and renders
 * that section again and sends it to the open pages as a server-sent event. node:http and
 * EventSource do all of it; no framework is needed for four routes.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PipelineConfig } from '../config.js';
import { NotFoundError, PipelineError } from '../errors.js';
import { trusted, urlPath, type Html } from './html.js';
import { assemble, collectSection, emptyStoreError, isEmpty, type ReportSource, type SectionData } from './collect.js';
import { DASHBOARD_SCRIPT } from './dashboard-client.js';
import { cannotRead, describeStore, reportSource } from './index.js';
import { ReadCache } from './read-cache.js';
import { renderPage, renderSection, type RenderOptions } from './render.js';
import { SectionNames, Sections, type SectionName } from './sections.js';

export const DashboardDefaults = { pollMs: 1000 } as const;

export interface DashboardOptions {
  readonly config: PipelineConfig;
  /** The port on 127.0.0.1; 0 takes a free one. */
  readonly port: number;
  /** How often the store is looked at. @default 1000 */
  readonly pollMs?: number;
  /** Notices for the terminal (an empty store, a store that stopped answering). */
  readonly notice?: (line: string) => void;
  readonly now?: () => Date;
  /** The stores to read; by default the configuration's, behind read caches. */
  readonly source?: ReportSource;
}

export interface Dashboard {
  readonly url: string;
  readonly port: number;
  /** Looks at the store now (after any look under way), so what the page shows is current when it resolves. */
  refresh(): Promise<void>;
  /** Stops looking, ends the open event streams and closes the server. */
  close(): Promise<void>;
}

/** The port could not be had: in use, or not ours to take. */
export class PortError extends PipelineError {
  override readonly name = 'PortError';
}

const links: RenderOptions = { analyticsHref: (view) => `/${urlPath('analytics', view.dataset, 'report.html')}` };

interface SectionState {
  fingerprint: string;
  data: SectionData;
  html: string;
}

const hash = (text: string) => createHash('sha1').update(text).digest('hex').slice(0, 16);

/**
 * Starts the dashboard and resolves once it listens and has read the store once.
 *
 * @example
 * const dashboard = await startDashboard({ config: loadConfig(process.env), port: 0 });
 * console.log(dashboard.url); // http://127.0.0.1:41234/
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { config } = options;
  const now = options.now ?? (() => new Date());
  const pollMs = options.pollMs ?? DashboardDefaults.pollMs;
  const source = options.source ?? reportSource(config, (store) => new ReadCache(store));
  const store = describeStore(config);
  const states = new Map<SectionName, SectionState>();
  const clients = new Set<ServerResponse>();
  let status = { ok: true, text: 'starting' };
  let lastNotice = '';
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();

  const notice = (line: string) => {
    if (line !== lastNotice) options.notice?.(line);
    lastNotice = line;
  };
  const send = (client: ServerResponse, event: string, payload: unknown) => client.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
  const broadcast = (event: string, payload: unknown) => {
    for (const client of clients) send(client, event, payload);
  };

  /** Each section's fingerprint: the keys and ETags of what it reads (the summary's also covers the others, whose counts it shows). */
  async function fingerprints(): Promise<Map<SectionName, string>> {
    const prints = new Map<SectionName, string>();
    for (const name of SectionNames) {
      const parts: string[] = [];
      for (const { area, prefix } of Sections[name].sources(config.modelName)) {
        for (const object of await source.stores[area].list(prefix)) parts.push(`${object.key}\u0000${object.etag}`);
      }
      prints.set(name, hash(parts.join('\n')));
    }
    prints.set('summary', hash(SectionNames.map((name) => prints.get(name)).join('')));
    return prints;
  }

  async function look(): Promise<void> {
    const prints = await fingerprints();
    const changed = SectionNames.filter((name) => states.get(name)?.fingerprint !== prints.get(name));
    if (changed.length === 0) return;
    // read every changed section first, then render and commit them together: a look cut short leaves the old state to be looked at again
    const fresh = new Map<SectionName, SectionData>();
    for (const name of changed) {
      if (stopped) return;
      const run = (fresh.get('summary') ?? states.get('summary')?.data)?.run?.summary;
      const preferred = name === 'stream' ? run?.sources?.stream : name === 'cdc' ? run?.sources?.cdc : run?.dataset;
      fresh.set(name, await collectSection(name, source, name === 'summary' ? undefined : preferred));
    }
    const all = assemble(store, config.modelName, now(), SectionNames.map((name) => fresh.get(name) ?? states.get(name)?.data ?? {}));
    const rendered: Array<[SectionName, string]> = [];
    for (const name of changed) {
      if (stopped) return;
      rendered.push([name, (await renderSection(name, all, links)).text]);
    }
    for (const [name, html] of rendered) {
      const state = { fingerprint: prints.get(name)!, data: fresh.get(name)!, html };
      states.set(name, state);
      broadcast('section', { name, fingerprint: state.fingerprint, html });
    }
    if (isEmpty(all)) notice(`${emptyStoreError(store, config.modelName).message}; the dashboard shows them as they land`);
  }

  async function tick(): Promise<void> {
    const started = performance.now();
    try {
      await look();
      status = { ok: true, text: `${store}, looked at ${now().toISOString().slice(11, 19)} UTC` };
    } catch (error) {
      // a section replaced while it was being read is read again on the next look
      const message = error instanceof NotFoundError ? `${store} changed while it was read; reading again` : (error as Error).message;
      status = { ok: false, text: message };
      if (!(error instanceof NotFoundError)) notice(`the dashboard could not read ${store}: ${message} (it keeps trying)`);
    }
    broadcast('status', status);
    if (!stopped) timer = setTimeout(() => (current = tick()), Math.max(pollMs, performance.now() - started));
  }

  function page(script: boolean): string {
    const sections = Object.fromEntries(SectionNames.map((name) => [name, trusted(states.get(name)?.html ?? '')])) as Record<SectionName, Html>;
    const fingerprints = Object.fromEntries(SectionNames.map((name) => [name, states.get(name)?.fingerprint ?? '']));
    return renderPage({ title: 'Pipeline dashboard', ...(script ? { script: '/dashboard.js', fingerprints } : {}) }, { store }, sections);
  }

  async function analyticsPage(dataset: string, response: ServerResponse): Promise<void> {
    // only a dataset the page links to: the path never reaches the store unchecked
    const view = (states.get('analytics')?.data.analytics ?? []).find((v) => v.dataset === dataset);
    if (view === undefined) return reply(response, 404, 'text/plain', `no analytics report for '${dataset}'\n`);
    try {
      const { body } = await source.stores.results.get(view.reportKey);
      reply(response, 200, 'text/html; charset=utf-8', body, "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      reply(response, 404, 'text/plain', `${view.reportKey} is gone\n`);
    }
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) reply(response, 500, 'text/plain', `${(error as Error).message}\n`);
      else response.end();
    });
  });

  let port = 0;
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // only this machine's names: a page elsewhere cannot reach it through a rebound DNS name
    const host = request.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return reply(response, 403, 'text/plain', 'only http://127.0.0.1 may ask\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(response, 405, 'text/plain', 'the dashboard only reads\n');
    const url = new URL(request.url ?? '/', `http://${host}`);
    if (url.pathname === '/') return reply(response, 200, 'text/html; charset=utf-8', page(true), CSP_LIVE);
    if (url.pathname === '/report.html') return reply(response, 200, 'text/html; charset=utf-8', page(false), CSP_STATIC);
    if (url.pathname === '/dashboard.js') return reply(response, 200, 'text/javascript; charset=utf-8', DASHBOARD_SCRIPT);
    if (url.pathname === '/events') return events(url, response);
    const analytics = /^\/analytics\/(.+)\/report\.html$/.exec(url.pathname);
    if (analytics) return analyticsPage(decodeURIComponent(analytics[1]!), response);
    return reply(response, 404, 'text/plain', 'not found\n');
  }

  function events(url: URL, response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-content-type-options': 'nosniff' });
    response.write('retry: 1000\n\n');
    clients.add(response);
    response.on('close', () => clients.delete(response));
    // what the page already has is skipped
    for (const name of SectionNames) {
      const state = states.get(name);
      if (state !== undefined && url.searchParams.get(name) !== state.fingerprint) send(response, 'section', { name, fingerprint: state.fingerprint, html: state.html });
    }
    send(response, 'status', status);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const wanted = options.port;
      if (error.code === 'EADDRINUSE') reject(new PortError(`port ${wanted} on 127.0.0.1 is in use: choose another with --port <n> (--port 0 takes a free one)`));
      else if (error.code === 'EACCES') reject(new PortError(`port ${wanted} on 127.0.0.1 is not allowed for this user: choose one above 1023 with --port <n>`));
      else reject(error);
    });
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  // the first look fails fast on a store that cannot be read at all (a missing bucket, no permission)
  try {
    await look();
    status = { ok: true, text: `${store}, looked at ${now().toISOString().slice(11, 19)} UTC` };
  } catch (error) {
    server.close();
    throw cannotRead(store, error);
  }
  timer = setTimeout(() => (current = tick()), pollMs);

  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    refresh: async () => {
      await current;
      if (stopped) return;
      if (timer !== undefined) clearTimeout(timer);
      current = tick();
      await current;
    },
    close: async () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const client of clients) client.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // a look under way stops at its next step; its reads are not waited for beyond that
      await Promise.race([current, new Promise((resolve) => setTimeout(resolve, 200).unref())]);
    },
  };
}

const CSP_STATIC = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
const CSP_LIVE = `${CSP_STATIC}; script-src 'self'; connect-src 'self'`;

function reply(response: ServerResponse, status: number, type: string, body: string | Uint8Array, csp?: string): void {
  response.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...(csp === undefined ? {} : { 'content-security-policy': csp }),
  });
  response.end(body);
}
