import {
  type BackoffOptions,
  DEFAULT_BACKOFF,
  listenForScrapes,
  type MetricsListener,
} from '@ucloud/contracts';
import type { FastifyInstance } from 'fastify';
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { GatewayConfig } from './config.js';
import { EventPump } from './event-pump.js';
import { createHttpServer } from './http-server.js';
import { LogRelay } from './log-relay.js';
import { GatewayMetrics } from './metrics/metrics.js';
import { createJobsControlClient, type JobsControl } from './orchestrator-client.js';
import { PluginRegistry } from './plugin-registry.js';
import { registerProviderRoutes } from './provider-routes.js';
import { LiveSessions } from './live-sessions.js';
import { registerSessionSockets } from './session-sockets.js';
import { SessionTickets } from './session-tickets.js';
import { WebSessions } from './web-sessions.js';

/** Knobs with production defaults; tests shorten them. */
export interface GatewayTuning {
  backoff: BackoffOptions;
  /** Most events per control.update. */
  batchSize: number;
  /** How long an event batch waits for more after its first event. */
  lingerMs: number;
  /** Deadline of unary plugin calls. */
  pluginCallTimeoutMs: number;
  /** Deadline of orchestrator calls. */
  orchestratorTimeoutMs: number;
  /** How long stop() lets requests in flight finish before closing their connections. */
  shutdownGraceMs: number;
  /** How long a session link (shell, VNC, web) may wait for its user to connect. */
  sessionTicketTtlMs: number;
  /** How often the orchestrator is asked which open sessions must close. */
  sessionCheckMs: number;
  /** How long the event pumps wait quietly for an orchestrator that has not answered yet. */
  orchestratorStartGraceMs: number;
}

export const DEFAULT_TUNING: GatewayTuning = {
  backoff: DEFAULT_BACKOFF,
  // A backlog goes in few large transactions (events are read ahead while one is stored); a
  // lone event waits at most 1 ms for company.
  batchSize: 500,
  lingerMs: 1,
  pluginCallTimeoutMs: 60_000,
  orchestratorTimeoutMs: 30_000,
  shutdownGraceMs: 5_000,
  sessionTicketTtlMs: 5 * 60_000,
  sessionCheckMs: 1_000,
  // The launcher starts the orchestrator after the gateway and gives it 60 s to listen.
  orchestratorStartGraceMs: 60_000,
};

/**
 * One provider site's integration module: the JobsProvider HTTP face, the plugin registry and one
 * event pump per plugin. Plugins are connected in the background, so the face answers (503 for
 * products of plugins still connecting) while a plugin is slow to come up.
 */
export class Gateway {
  readonly pumps: ReadonlyMap<string, EventPump>;
  readonly metrics: GatewayMetrics;
  private scrapes: MetricsListener | null = null;
  private readonly registry: PluginRegistry;
  private readonly http: FastifyInstance;
  private readonly logs = new LogRelay();
  private readonly lifetime = new AbortController();
  private connecting: Promise<void> = Promise.resolve();
  private readonly shutdownGraceMs: number;
  private readonly live: LiveSessions;
  /** Where the gateway listens, once it does: the base of session links without PUBLIC_URL. */
  private listeningUrl = '';
  private readonly log: Logger;

  constructor(
    private readonly config: GatewayConfig,
    options: { logger?: Logger; tuning?: Partial<GatewayTuning> } = {},
  ) {
    const tuning = { ...DEFAULT_TUNING, ...options.tuning };
    this.shutdownGraceMs = tuning.shutdownGraceMs;
    const logger = options.logger ?? pino({ level: config.logLevel, name: 'gateway' });
    this.log = logger;
    this.metrics = new GatewayMetrics(() =>
      [...this.pumps].map(([plugin, pump]) => ({
        plugin,
        connected: pump.state === 'live' || pump.state === 'lagging',
      })),
    );
    this.registry = new PluginRegistry(config.plugins, {
      providerId: config.providerId,
      callTimeoutMs: tuning.pluginCallTimeoutMs,
      backoff: tuning.backoff,
      logger,
      onCall: this.metrics.pluginCall,
    });
    const control: JobsControl = createJobsControlClient({
      orchestratorUrl: config.orchestratorUrl,
      providerToken: config.providerToken,
      ca: config.orchestratorCa,
      timeoutMs: tuning.orchestratorTimeoutMs,
    });
    this.pumps = new Map(
      this.registry.plugins.map((plugin) => [
        plugin.name,
        new EventPump(plugin, this.registry, control, logger, {
          batchSize: tuning.batchSize,
          lingerMs: tuning.lingerMs,
          backoff: tuning.backoff,
          startGraceMs: tuning.orchestratorStartGraceMs,
          onDelivered: (updates) => {
            this.metrics.forwarded(plugin.name, updates);
            // A job that ends or is suspended closes its sessions as its update passes.
            for (const { id, update } of updates)
              if (update.state && !update.expectedState) this.live.jobChanged(id, update.state);
          },
        }),
      ]),
    );
    this.http = createHttpServer(config.providerToken, config.tls, logger);
    const tickets = new SessionTickets(tuning.sessionTicketTtlMs);
    const publicUrl = () => config.publicUrl ?? this.listeningUrl;
    this.live = new LiveSessions(control, logger, tuning.sessionCheckMs);
    registerProviderRoutes(this.http, {
      providerId: config.providerId,
      registry: this.registry,
      control,
      logs: this.logs,
      tickets,
      publicUrl,
    });
    const web = new WebSessions({
      providerId: config.providerId,
      tickets,
      control,
      live: this.live,
      publicUrl,
    });
    web.register(this.http);
    // Upgrades under a web session's prefix are the applications' own WebSockets, passed on as
    // bytes; the rest are the gateway's own sockets (shell, VNC), which @fastify/websocket takes.
    const sessionUpgrades = createServer();
    this.http.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (web.serves(request.url)) web.upgrade(request, socket, head);
      else sessionUpgrades.emit('upgrade', request, socket, head);
    });
    registerSessionSockets(this.http, {
      providerId: config.providerId,
      tickets,
      control,
      live: this.live,
      logger,
      upgrades: sessionUpgrades,
    });
    // Open follow streams would otherwise hold the server open until their jobs end.
    this.http.addHook('preClose', (done) => {
      this.logs.closeAll();
      done();
    });
  }

  /** Where Prometheus scrapes (METRICS_PORT), once started; null when not served. */
  get metricsUrl(): string | null {
    return this.scrapes?.url ?? null;
  }

  /** Listens on the configured host and port; returns the base URL. */
  async start(): Promise<string> {
    const listened = await this.http.listen({ host: this.config.host, port: this.config.port });
    // Fastify names the scheme from its `https` option, which the server factory replaces.
    const url = this.config.tls ? listened.replace(/^http:/, 'https:') : listened;
    this.listeningUrl = url;
    if (this.config.metrics)
      this.scrapes = await listenForScrapes(
        this.metrics.registry,
        this.config.metrics,
        this.config.tls,
        (err) => this.log.error({ err }, 'collecting metrics failed'),
      );
    this.live.start();
    this.connecting = Promise.all(
      this.registry.plugins.map(async (plugin) => {
        await this.registry.connect(plugin, this.lifetime.signal);
        if (!this.lifetime.signal.aborted) this.pumps.get(plugin.name)?.start();
      }),
    ).then(() => undefined);
    return url;
  }

  async stop(): Promise<void> {
    this.lifetime.abort();
    this.live.stop();
    await this.connecting;
    await Promise.all([...this.pumps.values()].map((pump) => pump.stop()));
    // Connections that never send a request (HTTP clients open spares) would hold close() open.
    const grace = setTimeout(() => this.http.server.closeAllConnections(), this.shutdownGraceMs);
    await this.http.close();
    clearTimeout(grace);
    await this.scrapes?.close();
    this.registry.close();
  }
}
