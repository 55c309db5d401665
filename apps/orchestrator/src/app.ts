import pino, { type Logger } from 'pino';
import { Agent } from 'undici';
import { listenForScrapes } from '@ucloud/contracts';
import { Charger } from './accounting/charger.js';
import { chargePeriodOf, metering } from './accounting/metering.js';
import { AccountingServiceImpl } from './accounting/service.js';
import { AccountStore } from './auth/account-store.js';
import { AccountsServiceImpl } from './auth/accounts-service.js';
import { Authenticator } from './auth/authenticator.js';
import { OidcVerifier } from './auth/oidc.js';
import { LicenseGuard } from './licenses/guard.js';
import { LicensesServiceImpl } from './licenses/service.js';
import { LicenseStore } from './licenses/store.js';
import { Catalog, DEMO_CATALOG_FILE } from './catalog/catalog.js';
import { CatalogServiceImpl } from './catalog/catalog-service.js';
import type { OrchestratorConfig } from './config.js';
import { DEFAULT_TUNING, type OrchestratorTuning } from './tuning.js';
import { checkpointInBackground } from './db/checkpoints.js';
import { observeTransactions, openDatabase } from './db/client.js';
import { buildHttpServer } from './http/server.js';
import { ControlService } from './jobs/control-service.js';
import { JobNotifier } from './jobs/notifier.js';
import { JobService } from './jobs/service.js';
import { JobAccess } from './jobs/access.js';
import { JobAclStore } from './jobs/acl-store.js';
import { JobBrowser } from './jobs/browse.js';
import { JobRepository } from './jobs/repository.js';
import { JobTransitions } from './jobs/transitions.js';
import { OrchestratorMetrics } from './metrics/metrics.js';
import { ProjectService } from './projects/service.js';
import { ProjectStore } from './projects/store.js';
import { GatewayClient } from './providers/gateway-client.js';
import { OutboxStore } from './outbox/store.js';
import { OutboxWorker } from './outbox/worker.js';
import { Reconciler } from './providers/reconciler.js';
import { ProductSupportCache } from './providers/support-cache.js';
import { SessionStore } from './sessions/session-store.js';
import { SessionRules } from './sessions/sessions.js';

export interface Orchestrator {
  url: string;
  /** Where Prometheus scrapes (METRICS_PORT); null when not served. */
  metricsUrl: string | null;
  close(): Promise<void>;
}

/** Wires the orchestrator together and starts serving. */
export async function startOrchestrator(
  config: OrchestratorConfig,
  log: Logger = pino({ level: config.logLevel }),
  tuning: OrchestratorTuning = DEFAULT_TUNING,
): Promise<Orchestrator> {
  const db = openDatabase(config.databaseFile);
  const checkpoints =
    config.databaseFile === ':memory:'
      ? null
      : checkpointInBackground(db, config.databaseFile, log.child({ component: 'sqlite' }));
  const catalog = Catalog.fromFile(config.catalogFile ?? DEMO_CATALOG_FILE);
  const projects = new ProjectStore(db);
  const accountStore = new AccountStore(db);
  const oidc = config.oidc && new OidcVerifier(config.oidc);
  const auth = new Authenticator(accountStore, config.providers, projects, Date.now, oidc);
  for (const user of config.users) auth.upsertUser(user.username, user.token, user.admin);

  const toGateways = config.gatewayCa
    ? new Agent({ connect: { ca: config.gatewayCa } })
    : undefined;
  const gateways = new Map(
    config.providers.map((p) => [
      p.id,
      new GatewayClient(p, tuning.gatewayCallTimeoutMs, toGateways),
    ]),
  );
  const providers = (id: string) => gateways.get(id);
  const notifier = new JobNotifier();
  const support = new ProductSupportCache(gateways, log, tuning);

  // Lower layers first: jobs/ is given what it needs from the modules above it (jobs/ports.ts).
  const outboxStore = new OutboxStore(db);
  const jobRows = new JobRepository(db, outboxStore);
  const sessionStore = new SessionStore(db);
  const metrics = new OrchestratorMetrics({
    jobsByState: () => jobRows.countByState(),
    outbox: () => outboxStore.depth(),
    openSessions: () => sessionStore.openCounts(),
    followers: () => notifier.subscriptions(),
    now: Date.now,
  });
  observeTransactions(db, metrics.transaction);
  const transitions = new JobTransitions({
    db,
    jobs: jobRows,
    outbox: outboxStore,
    metering,
    notifier,
    metrics: metrics.jobs,
  });
  const outbox = new OutboxWorker(
    outboxStore,
    jobRows,
    transitions,
    gateways,
    catalog,
    log.child({ component: 'outbox' }),
    config.outboxPollMs,
    tuning,
  );
  transitions.onCallsQueued(() => outbox.wake());

  const acl = new JobAclStore(db);
  const access = new JobAccess({ jobs: jobRows, acl, projects });
  const sessions = new SessionRules({
    store: sessionStore,
    access,
    ticketTtlMs: tuning.sessionTicketTtlMs,
  });
  const licenseStore = new LicenseStore(db);
  const licenses = new LicensesServiceImpl(licenseStore, catalog, projects);
  const accounting = new AccountingServiceImpl({
    db,
    catalog,
    projects,
    readableJob: (actor, id, field) => access.require(actor, id, field, 'READ'),
  });
  const closing = new AbortController();
  const jobs = new JobService({
    jobs: jobRows,
    transitions,
    access,
    acl,
    browser: new JobBrowser(db),
    closing: closing.signal,
    logs: { backoff: tuning.logStreamBackoff, drainAttempts: tuning.logDrainAttempts },
    notifier,
    catalog,
    projects,
    support,
    log,
    providers,
    sessions,
    funds: () => accounting.fundsCheck(),
    requireLicense: (...args) => licenses.requireUsable(...args),
    chargePeriodOf: (product) =>
      chargePeriodOf(
        catalog.categoryOf({
          provider: product.category.provider,
          category: product.category.name,
        }),
        product,
        config.accountingMinuteMs,
      ),
  });
  const charger = new Charger(
    db,
    jobRows,
    transitions,
    catalog,
    log.child({ component: 'charger' }),
    config.accountingTickMs,
    metrics.charging,
  );
  const licenseGuard = new LicenseGuard(
    licenseStore,
    projects,
    transitions,
    log.child({ component: 'license-guard' }),
    config.accountingTickMs,
  );
  const services = {
    jobs,
    accounting,
    licenses,
    projects: new ProjectService(projects),
    control: new ControlService(jobRows, transitions, catalog, sessions, log, metrics.jobs),
    catalog: new CatalogServiceImpl(catalog),
    accounts: new AccountsServiceImpl(db, accountStore, log.child({ component: 'accounts' })),
  };
  const reconciler = new Reconciler(
    jobRows,
    transitions,
    gateways,
    catalog,
    log.child({ component: 'reconciler' }),
    {
      verifyIntervalMs: config.verifyIntervalMs,
      expiryGraceMs: config.expiryGraceMs,
    },
  );
  const server = await buildHttpServer({
    tls: config.tls,
    services,
    authenticate: (h, project) => auth.resolve(h, project),
    signInOptions: async () => ({ oidc: (await oidc?.webSignIn()) ?? null }),
    log,
  });
  await server.listen({ port: config.port, host: config.host });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const scrapes =
    config.metrics &&
    (await listenForScrapes(metrics.registry, config.metrics, config.tls, (err) =>
      log.error({ err }, 'collecting metrics failed'),
    ));
  outbox.start();
  reconciler.start();
  charger.start();
  licenseGuard.start();
  log.info(
    { port, database: config.databaseFile, providers: [...gateways.keys()] },
    'orchestrator started',
  );
  if (scrapes) log.info({ url: scrapes.url }, 'metrics listening');

  return {
    url: `http://${config.host}:${port}`,
    metricsUrl: scrapes ? scrapes.url : null,
    async close() {
      // Open follow streams end first; otherwise the server would wait for their clients to leave.
      closing.abort();
      reconciler.stop();
      await charger.stop();
      licenseGuard.stop();
      await outbox.stop();
      await server.close();
      await scrapes?.close();
      await checkpoints?.stop();
      db.$client.close();
    },
  };
}
