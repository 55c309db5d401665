import { type ProductDescription } from '@ucloud/provider-sdk';
import { type ProductConfig } from './config.js';

/** The spec's ComputeSupport for a product run as local processes. */
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
        docker: null,
        virtualMachine: null,
        native: {
          enabled: true,
          logs: true,
          vnc: false,
          terminal: false,
          timeExtension: has('timeExtension'),
          utilization: has('utilization'),
          // Web applications listen on the port given to each rank in UCLOUD_PORT.
          web: has('web'),
          // An extension of the spec's Native block: SIGSTOP/SIGCONT of the process groups.
          suspension: has('suspension'),
        },
      },
    };
  });
}
