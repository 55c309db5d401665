import type { ComputeSupport } from '@ucloud/contracts';
import type { Logger } from 'pino';
import type { GatewayClient } from './gateway-client.js';

const TTL_MS = 30_000;

/** What each provider declares it supports per product, fetched from its gateway and kept for a while. */
export class ProductSupportCache {
  private readonly entries = new Map<string, { at: number; support: ComputeSupport[] }>();

  constructor(
    private readonly gateways: Map<string, GatewayClient>,
    private readonly log: Logger,
  ) {}

  async supportOf(
    provider: string,
    productId: string,
    category: string,
  ): Promise<ComputeSupport | null> {
    const entry = this.entries.get(provider);
    if (!entry || Date.now() - entry.at > TTL_MS) await this.refresh(provider);
    return this.cached(provider, productId, category);
  }

  cached(provider: string, productId: string, category: string): ComputeSupport | null {
    return (
      this.entries
        .get(provider)
        ?.support.find((s) => s.product.id === productId && s.product.category === category) ?? null
    );
  }

  private async refresh(provider: string): Promise<void> {
    const gateway = this.gateways.get(provider);
    if (!gateway) return;
    try {
      this.entries.set(provider, { at: Date.now(), support: await gateway.retrieveProducts() });
    } catch (e) {
      this.log.warn({ provider, err: (e as Error).message }, 'could not retrieve product support');
    }
  }
}
