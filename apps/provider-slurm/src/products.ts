import { type ProductDescription } from '@ucloud/provider-sdk';
import { type ProductConfig } from './config.js';

/**
 * The spec's ComputeSupport for products run as Slurm batch jobs: tools with the NATIVE backend
 * (commands run on the compute nodes), logs and utilization always; time extension and suspension
 * as the site configured them. Terminals (`srun --overlap --pty`) are not offered yet.
 */
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
        timeExtension: p.timeExtension,
        utilization: true,
        web: false,
        // Our extension of the spec's Native block, as for the native plugin.
        suspension: p.suspension,
      },
    },
  }));
}
