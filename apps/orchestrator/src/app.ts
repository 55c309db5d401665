import pino, { type Logger } from 'pino';
import { Charger } from './accounting/charger.js';
import { AccountingServiceImpl } from './accounting/service.js';
import { Authenticator } from './auth.js';
import { LicenseGuard } from './licenses/guard.js';
import { LicensesServiceImpl } from './licenses/service.js';
import { LicenseStore } from './licenses/store.js';
import { Catalog, DEMO_CATALOG_FILE } from './catalog/catalog.js';
import { CatalogServiceImpl } from './catalog/catalog-service.js';
import type { OrchestratorConfig } from './config.js';
import { openDatabase } from './db/client.js';
import { buildHttpServer } from './http/server.js';
import { ControlService } from './jobs/control-service.js';
import { JobNotifier } from './jobs/notifier.js';
import { JobService } from './jobs/service.js';
import { JobStore } from './jobs/store.js';
import { ProjectService } from './projects/service.js';
import { ProjectStore } from './projects/store.js';
import { GatewayClient } from './providers/gateway-client.js';
import { OutboxWorker } from './providers/outbox-worker.js';
import { Reconciler } from './providers/reconciler.js';
import { ProductSupportCache } from './providers/support-cache.js';

export interface Orchestrator {
  url: string;
  close(): Promise<void>;
}

/** Wires the orchestrator together and starts serving. */
export async function startOrchestrator(
  config: OrchestratorConfig,
  log: Logger = pino({ level: config.logLevel }),
): Promise<Orchestrator> {
  const db = openDatabase(config.databaseFile);
  const catalog = Catalog.fromFile(config.catalogFile ?? DEMO_CATALOG_FILE);
  const auth = new Authenticator(db, config.providers);
  for (const user of config.users) auth.upsertUser(user.username, user.token, user.admin);

  const gateways = new Map(config.providers.map((p) => [p.id, new GatewayClient(p)]));
  const store = new JobStore(db);
  const projects = new ProjectStore(db);
  const notifier = new JobNotifier();
  const support = new ProductSupportCache(gateways, log);
  const outbox = new OutboxWorker(
    store,
    gateways,
    catalog,
    notifier,
    log.child({ component: 'outbox' }),
    config.outboxPollMs,
  );

  const licenseStore = new LicenseStore(db);
  const licenses = new LicensesServiceImpl(licenseStore, catalog, projects);
  const accounting = new AccountingServiceImpl({
    db,
    catalog,
    projects,
    // Called only while serving requests, when `jobs` below exists.
    readableJob: (actor, id, field) => jobs.readableJob(actor, id, field),
  });
  const closing = new AbortController();
  const jobs = new JobService({
    closing: closing.signal,
    store,
    requireFunds: (...args) => accounting.requireFunds(...args),
    requireLicense: (...args) => licenses.requireUsable(...args),
    accountingMinuteMs: config.accountingMinuteMs,
    notifier,
    catalog,
    projects,
    support,
    log,
    gatewayFor: (provider) => gateways.get(provider),
    deliver: () => outbox.wake(),
  });
  const charger = new Charger(
    db,
    store,
    catalog,
    notifier,
    () => outbox.wake(),
    log.child({ component: 'charger' }),
    config.accountingTickMs,
  );
  const licenseGuard = new LicenseGuard(
    licenseStore,
    projects,
    store,
    notifier,
    () => outbox.wake(),
    log.child({ component: 'license-guard' }),
    config.accountingTickMs,
  );
  const services = {
    jobs,
    accounting,
    licenses,
    projects: new ProjectService(projects),
    control: new ControlService(store, notifier, catalog, log),
    catalog: new CatalogServiceImpl(catalog),
  };
  const reconciler = new Reconciler(
    store,
    gateways,
    catalog,
    notifier,
    () => outbox.wake(),
    log.child({ component: 'reconciler' }),
    {
      verifyIntervalMs: config.verifyIntervalMs,
      expiryGraceMs: config.expiryGraceMs,
    },
  );
  const server = await buildHttpServer({
    services,
    authenticate: (h, project) => auth.resolve(h, project),
    log,
  });
  await server.listen({ port: config.port, host: config.host });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  outbox.start();
  reconciler.start();
  charger.start();
  licenseGuard.start();
  log.info(
    { port, database: config.databaseFile, providers: [...gateways.keys()] },
    'orchestrator started',
  );

  return {
    url: `http://${config.host}:${port}`,
    async close() {
      // Open follow streams end first; otherwise the server would wait for their clients to leave.
      closing.abort();
      reconciler.stop();
      await charger.stop();
      licenseGuard.stop();
      await outbox.stop();
      await server.close();
      db.$client.close();
    },
  };
}
