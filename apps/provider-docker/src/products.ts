import { type ProductDescription } from '@ucloud/provider-sdk';
import { type ProductConfig } from './config.js';

/** The spec's ComputeSupport for a product run as containers. */
export function describeProducts(
  products: ProductConfig[],
  providerId: string,
): ProductDescription[] {
  return products.map((p) => {
    const has = (feature: keyof ProductConfig['features']) => p.features[feature] ?? true;
    return {
      productId: p.id,
      category: p.category,
      support: {
        product: { id: p.id, category: p.category, provider: providerId },
        docker: {
          enabled: true,
          logs: true,
          web: false,
          vnc: false,
          terminal: false,
          // The ranks of a job share a network and reach each other as rank-0, rank-1, …
          peers: true,
          timeExtension: has('timeExtension'),
          utilization: has('utilization'),
          // An extension of the spec's Docker block, as for Native: pause/unpause.
          suspension: has('suspension'),
        },
        virtualMachine: null,
        native: null,
      },
    };
  });
}
