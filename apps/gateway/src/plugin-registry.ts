import {
  ApiError,
  Backoff,
  type BackoffOptions,
  badRequest,
  ComputeSupport,
  describeIssues,
  sleep,
  type ToolBackend,
} from '@ucloud/contracts';
import type { DescribeResponse } from '@ucloud/provider-proto';
import type { Logger } from 'pino';
import type { PluginEndpoint } from './config.js';
import { errorMessage } from '@ucloud/contracts';
import { PluginClient, type PluginCallObserver } from './plugin-client.js';

/** What a plugin said about itself the last time it answered Describe. */
export interface PluginDescription {
  eventStreamId: string;
  /** ComputeSupport per product id, with `product.provider` set to this gateway's provider. */
  products: Map<string, ComputeSupport>;
}

/** A plugin answered Describe with something unusable; retrying only helps once it is fixed. */
export class PluginDescriptionError extends Error {
  override readonly name = 'PluginDescriptionError';
}

export interface PluginRegistryOptions {
  providerId: string;
  callTimeoutMs: number;
  backoff: BackoffOptions;
  logger: Logger;
  onCall?: PluginCallObserver;
}

/**
 * The gateway's plugins and which of them serves which product. A job goes to the plugin that
 * declared its `specification.product.id`; descriptions are refreshed whenever a plugin is
 * (re)described, so a restarted plugin's new products and event stream are picked up.
 */
export class PluginRegistry {
  readonly plugins: readonly PluginClient[];
  private readonly descriptions = new Map<PluginClient, PluginDescription>();
  private readonly logger: Logger;

  constructor(
    endpoints: readonly PluginEndpoint[],
    private readonly options: PluginRegistryOptions,
  ) {
    this.plugins = endpoints.map(
      (e) => new PluginClient(e.name, e.address, options.callTimeoutMs, e.tls, options.onCall),
    );
    this.logger = options.logger.child({ component: 'plugin-registry' });
  }

  /** Calls Describe until the plugin answers (or `signal` aborts), logging while it waits. */
  async connect(plugin: PluginClient, signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(this.options.backoff);
    while (!signal.aborted) {
      try {
        const description = await this.describe(plugin);
        this.logger.info(
          {
            plugin: plugin.name,
            address: plugin.address,
            eventStream: description.eventStreamId,
            products: [...description.products.keys()],
          },
          'plugin connected',
        );
        return;
      } catch (error) {
        const retryInMs = backoff.next();
        const level = error instanceof PluginDescriptionError ? 'error' : 'warn';
        this.logger[level](
          {
            plugin: plugin.name,
            address: plugin.address,
            attempt: backoff.attempts,
            retryInMs,
            err: errorMessage(error),
          },
          'waiting for plugin to answer Describe',
        );
        await sleep(retryInMs, signal);
      }
    }
  }

  /** Asks the plugin to describe itself now and updates the routing with its answer. */
  async describe(plugin: PluginClient): Promise<PluginDescription> {
    const description = this.parse(plugin, await plugin.describe());
    for (const productId of description.products.keys()) {
      const other = this.pluginFor(productId);
      if (other && other !== plugin) {
        this.logger.warn(
          { product: productId, plugins: [other.name, plugin.name] },
          'product declared by two plugins; jobs go to the first one configured',
        );
      }
    }
    this.descriptions.set(plugin, description);
    return description;
  }

  /**
   * The plugin serving `productId`. Throws BAD_REQUEST naming the product when no plugin serves
   * it, or SERVICE_UNAVAILABLE while a plugin that might serve it has not described itself yet.
   */
  route(productId: string): PluginClient {
    const plugin = this.pluginFor(productId);
    if (plugin) return plugin;
    const waiting = this.plugins.filter((p) => !this.descriptions.has(p));
    if (waiting.length > 0) {
      throw new ApiError(
        'SERVICE_UNAVAILABLE',
        `Product "${productId}" is not known yet: waiting for plugin(s) ${waiting.map((p) => p.name).join(', ')} to connect`,
      );
    }
    const known = [...this.descriptions.values()].flatMap((d) => [...d.products.keys()]);
    throw badRequest(
      `Unknown product "${productId}": provider ${this.options.providerId} serves ${known.join(', ') || 'no products'}`,
    );
  }

  /** Whether the product's declared support enables tools of `backend` (routing must succeed first). */
  supportsBackend(productId: string, backend: ToolBackend): boolean {
    const support = this.supportOf(productId);
    const block =
      backend === 'DOCKER'
        ? support?.docker
        : backend === 'NATIVE'
          ? support?.native
          : support?.virtualMachine;
    return block?.enabled === true;
  }

  /** Every product of every plugin; SERVICE_UNAVAILABLE until all plugins have described themselves. */
  products(): ComputeSupport[] {
    const waiting = this.plugins.filter((p) => !this.descriptions.has(p));
    if (waiting.length > 0) {
      throw new ApiError(
        'SERVICE_UNAVAILABLE',
        `Waiting for plugin(s) ${waiting.map((p) => p.name).join(', ')} to connect`,
      );
    }
    return this.plugins.flatMap((p) => [...(this.descriptions.get(p)?.products.values() ?? [])]);
  }

  /** Categories the plugin declared products in. */
  categoriesOf(plugin: PluginClient): string[] {
    const products = this.descriptions.get(plugin)?.products.values() ?? [];
    return [...new Set([...products].map((s) => s.product.category))];
  }

  close(): void {
    for (const plugin of this.plugins) plugin.close();
  }

  private pluginFor(productId: string): PluginClient | undefined {
    return this.plugins.find((p) => this.descriptions.get(p)?.products.has(productId));
  }

  private supportOf(productId: string): ComputeSupport | undefined {
    const plugin = this.pluginFor(productId);
    return plugin && this.descriptions.get(plugin)?.products.get(productId);
  }

  private parse(plugin: PluginClient, response: DescribeResponse): PluginDescription {
    if (!response.eventStreamId) {
      throw new PluginDescriptionError(`plugin ${plugin.name} declared no event_stream_id`);
    }
    const products = new Map<string, ComputeSupport>();
    for (const declared of response.products) {
      let json: unknown;
      try {
        json = JSON.parse(declared.supportJson || '{}');
      } catch (error) {
        throw new PluginDescriptionError(
          `plugin ${plugin.name}: support_json of product ${declared.productId} is not JSON: ${errorMessage(error)}`,
        );
      }
      // The plugin's declaration is authoritative for which product it is; the provider is ours.
      const parsed = ComputeSupport.safeParse({
        ...(typeof json === 'object' ? json : {}),
        product: {
          id: declared.productId,
          category: declared.category,
          provider: this.options.providerId,
        },
      });
      if (!parsed.success) {
        throw new PluginDescriptionError(
          `plugin ${plugin.name}: support_json of product ${declared.productId}: ${describeIssues(parsed.error.issues)}`,
        );
      }
      products.set(declared.productId, parsed.data);
    }
    return { eventStreamId: response.eventStreamId, products };
  }
}
