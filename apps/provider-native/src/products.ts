import { type ProductDescription } from '@ucloud/provider-sdk';
import { type ProductConfig } from './config.js';

/** The spec's ComputeSupport for a product run as local processes. */
export function describeProducts(
  products: ProductConfig[],
  providerId: string,
): ProductDescription[] {
  return products.map((p) => ({
    productId: p.id,
    category: p.category,
    support: {
      product: { id: p.id, category: p.category, provider: providerId },
      docker: null,
      virtualMachine: null,
      native: {
        enabled: true,
        logs: true,
        vnc: false,
        terminal: false,
        timeExtension: true,
        utilization: true,
        web: false,
        // An extension of the spec's Native block: SIGSTOP/SIGCONT of the process groups.
        suspension: true,
      },
    },
  }));
}
