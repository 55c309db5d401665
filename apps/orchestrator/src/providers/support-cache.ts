import { errorMessage, type ComputeSupport } from '@ucloud/contracts';
import type { Logger } from 'pino';
import { DEFAULT_TUNING, type OrchestratorTuning } from '../tuning.js';
import type { GatewayClient } from './gateway-client.js';

/** What each provider declares it supports per product, fetched from its gateway and kept for a while. */
export class ProductSupportCache {
  private readonly entries = new Map<string, { at: number; support: ComputeSupport[] }>();
  private readonly failedAt = new Map<string, number>();
  /** One refresh per provider at a time; concurrent callers wait for the same one. */
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly gateways: Map<string, GatewayClient>,
    private readonly log: Logger,
    private readonly tuning: Pick<
      OrchestratorTuning,
      'supportTtlMs' | 'supportRetryAfterFailureMs'
    > = DEFAULT_TUNING,
  ) {}

  /**
   * The product's declarations. `mustKnow` asks the provider again even during the backoff when
   * nothing is known yet: a call that depends on the answer should not fail for 5 s after the
   * gateway is back, while a browse should not wait on an unreachable one each time.
   */
  async supportOf(
    provider: string,
    productId: string,
    category: string,
    mustKnow = false,
  ): Promise<ComputeSupport | null> {
    const entry = this.entries.get(provider);
    const now = Date.now();
    const stale = !entry || now - entry.at > this.tuning.supportTtlMs;
    const backingOff =
      !(mustKnow && !entry) &&
      now - (this.failedAt.get(provider) ?? -Infinity) < this.tuning.supportRetryAfterFailureMs;
    if (stale && !backingOff) {
      let refresh = this.inFlight.get(provider);
      if (!refresh) {
        refresh = this.refresh(provider).finally(() => this.inFlight.delete(provider));
        this.inFlight.set(provider, refresh);
      }
      await refresh;
    }
    return this.cached(provider, productId, category);
  }

  /** Whether the provider has ever answered what it supports (so a product absent is declared absent). */
  knows(provider: string): boolean {
    return this.entries.has(provider);
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
      this.failedAt.delete(provider);
    } catch (e) {
      this.failedAt.set(provider, Date.now());
      this.log.warn({ provider, err: errorMessage(e) }, 'could not retrieve product support');
    }
  }
}
