import {
  ApiError,
  badRequest,
  type BulkResponse,
  type ComputeSupport,
  describeIssues,
  durationToMillis,
  type FindByStringId,
  type Job,
  JobsProviderExtendRequestItem,
  JobsProviderFollowRequest,
  JobsProviderInitRequest,
  JobsProviderOpenInteractiveSessionRequestItem,
  JobsProviderSuspendRequestItem,
  type InteractiveSessionType,
  type OpenSession,
  type JobsRetrieveUtilizationResponse,
  BulkRequest,
  ProviderJobsBulk,
  providerRoutes,
  notFound,
  type Unit,
  errorMessage,
} from '@ucloud/contracts';
import { SessionType } from '@ucloud/provider-proto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { toCreateJobRequest } from './job-launch.js';
import { lostJobUpdate } from './job-updates.js';
import type { LogRelay } from './log-relay.js';
import type { JobsControl } from './orchestrator-client.js';
import type { PluginClient } from './plugin-client.js';
import type { PluginRegistry } from './plugin-registry.js';
import { vncPath } from './session-sockets.js';
import type { SessionTickets } from './session-tickets.js';
import { webPrefix } from './web-sessions.js';

export interface ProviderRoutesDeps {
  providerId: string;
  registry: PluginRegistry;
  control: JobsControl;
  logs: LogRelay;
  /** Tickets of the sessions the gateway serves itself (shell, VNC, web), and where users reach them. */
  tickets: SessionTickets;
  publicUrl: () => string;
}

const ExtendBulk = BulkRequest(JobsProviderExtendRequestItem);
const SessionBulk = BulkRequest(JobsProviderOpenInteractiveSessionRequestItem);
const SESSION_TYPES: Record<InteractiveSessionType, SessionType> = {
  SHELL: SessionType.SESSION_TYPE_SHELL,
  WEB: SessionType.SESSION_TYPE_WEB,
  VNC: SessionType.SESSION_TYPE_VNC,
};
const SuspendBulk = BulkRequest(JobsProviderSuspendRequestItem);

/**
 * The spec's request carries only a job id; UCloud's provider API carries the product category.
 * Either locates the system whose utilization is asked for.
 */
const UtilizationRequest = z
  .object({ jobId: z.string().min(1).optional(), categoryId: z.string().min(1).optional() })
  .refine((r) => r.jobId !== undefined || r.categoryId !== undefined, {
    message: 'give jobId or categoryId',
  });

/** Parses a body with a contract schema; a mismatch is a 400 naming the field. */
function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (!result.success) throw badRequest(describeIssues(result.error.issues));
  return result.data;
}

/** The JobsProvider face: each call is routed to the plugin serving the job's product. */
export function registerProviderRoutes(app: FastifyInstance, deps: ProviderRoutesDeps): void {
  const { registry, control, logs } = deps;
  const routes = providerRoutes(deps.providerId);
  const pluginFor = (job: Job, field: string): PluginClient => {
    try {
      return registry.route(job.specification.product.id);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'BAD_REQUEST') {
        throw badRequest(`${field}.specification.product.id: ${error.message}`);
      }
      throw error;
    }
  };
  const unitPerItem = (items: unknown[]): BulkResponse<Unit> => ({
    responses: items.map(() => ({})),
  });

  app.post(routes.create, async (request): Promise<BulkResponse<FindByStringId | null>> => {
    const { items } = parse(ProviderJobsBulk, request.body);
    // Everything is checked before anything starts, so a bad item fails the request cleanly.
    const launches = items.map((job, i) => {
      const field = `items[${i}]`;
      const plugin = pluginFor(job, field);
      const productId = job.specification.product.id;
      const create = toCreateJobRequest(job, field, (backend) =>
        registry.supportsBackend(productId, backend),
      );
      return { plugin, create };
    });
    // CreateJob is idempotent by job id, so a retry after a partial failure is safe.
    const responses = await Promise.all(
      launches.map(async ({ plugin, create }) => {
        const log = request.log.child({ jobId: create.jobId, plugin: plugin.name });
        try {
          const { providerGeneratedId } = await plugin.createJob(create);
          log.debug({ providerGeneratedId }, 'job handed to its plugin');
          return providerGeneratedId ? { id: providerGeneratedId } : null;
        } catch (error) {
          log.warn({ err: errorMessage(error) }, 'the plugin did not start the job');
          throw error;
        }
      }),
    );
    return { responses };
  });

  app.post(routes.terminate, async (request) => {
    const { items } = parse(ProviderJobsBulk, request.body);
    const targets = items.map((job, i) => ({ job, plugin: pluginFor(job, `items[${i}]`) }));
    await Promise.all(targets.map(({ job, plugin }) => plugin.terminateJob(job.id)));
    return unitPerItem(items);
  });

  app.post(routes.extend, async (request) => {
    const { items } = parse(ExtendBulk, request.body);
    const targets = items.map((item, i) => ({
      item,
      plugin: pluginFor(item.job, `items[${i}].job`),
    }));
    await Promise.all(
      targets.map(({ item, plugin }) =>
        plugin.extendJob({
          jobId: item.job.id,
          extendByMs: String(durationToMillis(item.requestedTime)),
        }),
      ),
    );
    return unitPerItem(items);
  });

  for (const [route, suspend] of [
    [routes.suspend, true],
    [routes.unsuspend, false],
  ] as const) {
    app.post(route, async (request) => {
      const { items } = parse(SuspendBulk, request.body);
      const targets = items.map((item, i) => ({
        jobId: item.job.id,
        plugin: pluginFor(item.job, `items[${i}].job`),
      }));
      await Promise.all(
        targets.map(({ jobId, plugin }) =>
          suspend ? plugin.suspendJob(jobId) : plugin.unsuspendJob(jobId),
        ),
      );
      return unitPerItem(items);
    });
  }

  app.post(routes.verify, async (request): Promise<Unit> => {
    const { items } = parse(ProviderJobsBulk, request.body);
    const byPlugin = new Map<PluginClient, Set<string>>();
    items.forEach((job, i) => {
      const plugin = pluginFor(job, `items[${i}]`);
      byPlugin.set(plugin, (byPlugin.get(plugin) ?? new Set()).add(job.id));
    });
    const unknown = (
      await Promise.all(
        [...byPlugin].map(async ([plugin, ids]) => {
          const { unknownJobIds } = await plugin.verifyJobs([...ids]);
          // Only what this plugin was asked about: a confused plugin must not fail others' jobs.
          return unknownJobIds.filter((id) => ids.has(id));
        }),
      )
    ).flat();
    if (unknown.length > 0) {
      request.log.info({ jobIds: unknown }, 'reporting jobs the provider no longer knows');
      await control.update(
        unknown.map((id) => lostJobUpdate(id)),
        null,
      );
    }
    return {};
  });

  app.get(routes.retrieveProducts, async (): Promise<BulkResponse<ComputeSupport>> => ({
    responses: registry.products(),
  }));

  app.post(
    routes.retrieveUtilization,
    async (request): Promise<JobsRetrieveUtilizationResponse> => {
      const { jobId, categoryId } = parse(UtilizationRequest, request.body);
      const { plugin, category } = categoryId
        ? { plugin: pluginForCategory(registry, categoryId), category: categoryId }
        : await locateJob(registry, jobId ?? '');
      const u = await plugin.retrieveUtilization(category);
      return {
        capacity: { cpu: u.capacityCpu, memory: Number(u.capacityMemoryBytes) },
        usedCapacity: { cpu: u.usedCpu, memory: Number(u.usedMemoryBytes) },
        queueStatus: { running: u.running, pending: u.pending },
      };
    },
  );

  app.post(routes.openInteractiveSession, async (request): Promise<BulkResponse<OpenSession>> => {
    const { items } = parse(SessionBulk, request.body);
    const targets = items.map((item, i) => ({
      item,
      plugin: pluginFor(item.job, `items[${i}].job`),
    }));
    /**
     * A session the plugin leaves to the gateway (no identifier, no URL) is served here through
     * ConnectSession, opened by the ticket the orchestrator recorded for it.
     */
    const served = (
      plugin: PluginClient,
      ticket: string | undefined,
      sessionType: InteractiveSessionType,
      at: string,
    ): string => {
      if (!ticket) throw badRequest(`${at}.ticket: required for a session the gateway serves`);
      deps.tickets.remember(ticket, { plugin, sessionType });
      return ticket;
    };
    const vncUrl = (ticket: string) => {
      const base = new URL(deps.publicUrl());
      base.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
      return new URL(vncPath(deps.providerId, ticket), base).toString();
    };
    const webUrl = (ticket: string, jobId: string, rank: number) => {
      const url = new URL(`${webPrefix(deps.providerId, jobId, rank)}/`, deps.publicUrl());
      url.searchParams.set('ticket', ticket);
      return url.toString();
    };
    const responses = await Promise.all(
      targets.map(async ({ item, plugin }, i) => {
        const at = `items[${i}]`;
        const { session } = await plugin.openInteractiveSession({
          jobId: item.job.id,
          rank: item.rank,
          sessionType: SESSION_TYPES[item.sessionType],
        });
        const base = { jobId: item.job.id, rank: item.rank };
        switch (session?.$case) {
          case 'shell':
            return {
              type: 'shell' as const,
              ...base,
              sessionIdentifier:
                session.value.sessionIdentifier || served(plugin, item.ticket, 'SHELL', at),
            };
          case 'web':
            return {
              type: 'web' as const,
              ...base,
              redirectClientTo:
                session.value.redirectClientTo ||
                webUrl(served(plugin, item.ticket, 'WEB', at), item.job.id, item.rank),
            };
          case 'vnc':
            return {
              type: 'vnc' as const,
              ...base,
              url: session.value.url || vncUrl(served(plugin, item.ticket, 'VNC', at)),
              password: session.value.password ?? null,
            };
          default:
            throw new ApiError('BAD_GATEWAY', `plugin ${plugin.name} opened no session`);
        }
      }),
    );
    return { responses };
  });

  // Every plugin prepares for the principal; one without anything to prepare answers at once.
  app.post(routes.init, async (request): Promise<Unit> => {
    const { principal } = parse(JobsProviderInitRequest, request.body);
    await Promise.all(
      registry.plugins.map((plugin) =>
        plugin.init({ createdBy: principal.createdBy, project: principal.project ?? undefined }),
      ),
    );
    return {};
  });

  app.post(routes.follow, async (request, reply) => {
    const follow = parse(JobsProviderFollowRequest, request.body);
    const plugin = pluginFor(follow.job, 'job');
    const stream = await logs.relay(plugin, {
      jobId: follow.job.id,
      offsets: follow.offsets,
      follow: follow.follow,
    });
    return reply.type('application/x-ndjson').send(stream);
  });
}

function pluginForCategory(registry: PluginRegistry, category: string): PluginClient {
  const plugin = registry.plugins.find((p) => registry.categoriesOf(p).includes(category));
  if (!plugin) throw badRequest(`categoryId: no plugin serves product category "${category}"`);
  return plugin;
}

/** The plugin running `jobId` (the one that does not call it unknown) and its product category. */
async function locateJob(
  registry: PluginRegistry,
  jobId: string,
): Promise<{ plugin: PluginClient; category: string }> {
  for (const plugin of registry.plugins) {
    const [category, ...others] = registry.categoriesOf(plugin);
    if (category === undefined) continue;
    const { unknownJobIds } = await plugin.verifyJobs([jobId]);
    if (unknownJobIds.includes(jobId)) continue;
    if (others.length > 0) {
      throw badRequest(
        `categoryId: job ${jobId} runs on plugin ${plugin.name}, which serves several product categories (${[category, ...others].join(', ')}); give categoryId`,
      );
    }
    return { plugin, category };
  }
  throw notFound(`Job ${jobId} is not known to this provider`);
}
