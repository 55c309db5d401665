import { z } from 'zod';
import { type ProductDescription } from './backend.js';

/** What a product can declare beyond running jobs and their logs; the spec's ComputeSupport flags. */
export type ProductFeature =
  'timeExtension' | 'suspension' | 'utilization' | 'web' | 'vnc' | 'terminal' | 'peers';

/** Per feature, whether a product has it; absent: the plugin's default. */
export type ProductFeatures = Partial<Record<ProductFeature, boolean>>;

/** The ComputeSupport block a plugin's products are declared in. */
export type SupportBlock = 'NATIVE' | 'DOCKER' | 'VIRTUAL_MACHINE';

/**
 * The fields of a `PRODUCTS` entry every plugin reads: `id`, `category`, per-replica `cpu` and
 * `memoryInGigs` (used when a CreateJob request does not carry the product's resources), and
 * `features`, which turns off (or on) what the plugin offers for this product. A plugin extends it
 * with its own fields (`ProductBase.extend({ partition: … })`).
 */
export const ProductBase = z.object({
  id: z.string().min(1),
  category: z.string().min(1),
  cpu: z.number().positive().optional(),
  memoryInGigs: z.number().positive().optional(),
  features: z
    .object({
      timeExtension: z.boolean(),
      suspension: z.boolean(),
      utilization: z.boolean(),
      web: z.boolean(),
      vnc: z.boolean(),
      terminal: z.boolean(),
      peers: z.boolean(),
    })
    .partial()
    .strict()
    .default({}),
});
export type ProductBase = z.infer<typeof ProductBase>;

/**
 * What a product has: each feature of `offered` as the product's `features` say, else as
 * `offered` says; a feature the plugin does not offer at all (absent from `offered`) is off
 * whatever the site configured.
 */
export function productFeatures(
  product: { features?: ProductFeatures },
  offered: ProductFeatures,
): Record<ProductFeature, boolean> {
  const has = (f: ProductFeature): boolean =>
    offered[f] === undefined ? false : (product.features?.[f] ?? offered[f]);
  return {
    timeExtension: has('timeExtension'),
    suspension: has('suspension'),
    utilization: has('utilization'),
    web: has('web'),
    vnc: has('vnc'),
    terminal: has('terminal'),
    peers: has('peers'),
  };
}

/**
 * The spec's ComputeSupport of each product, for `describe`: the `block` the plugin runs tools
 * of (the other two null), enabled, with logs, and the features of `productFeatures(p, offered)`.
 * `suspension` in the NATIVE block is our extension of the spec's; DOCKER has none in the spec.
 */
export function describeProducts(
  products: readonly (Pick<ProductBase, 'id' | 'category'> & { features?: ProductFeatures })[],
  block: SupportBlock,
  options: { providerId: string; offered: ProductFeatures },
): ProductDescription[] {
  return products.map((p) => {
    const f = productFeatures(p, options.offered);
    const common = {
      enabled: true,
      logs: true,
      vnc: f.vnc,
      terminal: f.terminal,
      timeExtension: f.timeExtension,
      utilization: f.utilization,
    };
    return {
      productId: p.id,
      category: p.category,
      support: {
        product: { id: p.id, category: p.category, provider: options.providerId },
        docker: block === 'DOCKER' ? { ...common, web: f.web, peers: f.peers } : null,
        virtualMachine:
          block === 'VIRTUAL_MACHINE' ? { ...common, suspension: f.suspension } : null,
        native: block === 'NATIVE' ? { ...common, web: f.web, suspension: f.suspension } : null,
      },
    };
  });
}
