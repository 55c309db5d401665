import { z } from 'zod';
import { nullable, ProductReference } from './shared.js';

export const ProductType = z.enum(['COMPUTE', 'STORAGE', 'INGRESS', 'LICENSE', 'NETWORK_IP']);
export type ProductType = z.infer<typeof ProductType>;

export const ProductPriceUnit = z.enum([
  'PER_UNIT',
  'CREDITS_PER_UNIT',
  'CREDITS_PER_MINUTE',
  'CREDITS_PER_HOUR',
  'CREDITS_PER_DAY',
  'UNITS_PER_MINUTE',
  'UNITS_PER_HOUR',
  'UNITS_PER_DAY',
]);
export type ProductPriceUnit = z.infer<typeof ProductPriceUnit>;

export const ChargeType = z.enum(['ABSOLUTE', 'DIFFERENTIAL_QUOTA']);
export type ChargeType = z.infer<typeof ChargeType>;

export const ProductCategoryId = z.object({ name: z.string(), provider: z.string() });
export type ProductCategoryId = z.infer<typeof ProductCategoryId>;

/** Product.Compute as the spec serialises it. */
export const ComputeProduct = z.object({
  type: z.literal('compute').default('compute'),
  balance: nullable(z.number()),
  name: z.string().min(1),
  pricePerUnit: z.number().int().min(0),
  category: ProductCategoryId,
  description: z.string().default(''),
  priority: z.number().int().default(0),
  cpu: nullable(z.number().int().min(1)),
  memoryInGigs: nullable(z.number().int().min(0)),
  gpu: nullable(z.number().int().min(0)),
  version: z.number().int().default(1),
  freeToUse: z.boolean().default(false),
  unitOfPrice: ProductPriceUnit.default('CREDITS_PER_MINUTE'),
  chargeType: ChargeType.default('ABSOLUTE'),
  hiddenInGrantApplications: z.boolean().default(false),
  productType: z.literal('COMPUTE').default('COMPUTE'),
});
export type ComputeProduct = z.infer<typeof ComputeProduct>;

export const productReferenceOf = (p: ComputeProduct): ProductReference => ({
  id: p.name,
  category: p.category.name,
  provider: p.category.provider,
});

const flag = nullable(z.boolean());

export const ComputeSupportDocker = z.object({
  enabled: flag,
  web: flag,
  vnc: flag,
  logs: flag,
  terminal: flag,
  peers: flag,
  timeExtension: flag,
  utilization: flag,
  /** Not in the spec's Docker block: declared by container plugins that can pause and unpause jobs. */
  suspension: flag,
});
export const ComputeSupportVirtualMachine = z.object({
  enabled: flag,
  logs: flag,
  vnc: flag,
  terminal: flag,
  timeExtension: flag,
  suspension: flag,
  utilization: flag,
});
export const ComputeSupportNative = z.object({
  enabled: flag,
  logs: flag,
  vnc: flag,
  terminal: flag,
  timeExtension: flag,
  utilization: flag,
  web: flag,
  /** Not in the spec's Native block: declared by native plugins that can pause and continue jobs. */
  suspension: flag,
});

export const ComputeSupport = z.object({
  product: ProductReference,
  docker: nullable(ComputeSupportDocker),
  virtualMachine: nullable(ComputeSupportVirtualMachine),
  native: nullable(ComputeSupportNative),
});
export type ComputeSupport = z.infer<typeof ComputeSupport>;

/** The backends a tool can run on; each has its block in ComputeSupport. */
export const ToolBackend = z.enum(['DOCKER', 'VIRTUAL_MACHINE', 'NATIVE']);
export type ToolBackend = z.infer<typeof ToolBackend>;

export type SupportFeature =
  'logs' | 'vnc' | 'web' | 'terminal' | 'timeExtension' | 'suspension' | 'utilization' | 'peers';

/** Whether `support` declares `feature` for tools of `backend` (an absent or disabled block declares nothing). */
export function supports(
  support: ComputeSupport,
  backend: ToolBackend,
  feature: SupportFeature,
): boolean {
  const block: Record<string, boolean | null> | null =
    backend === 'DOCKER'
      ? support.docker
      : backend === 'NATIVE'
        ? support.native
        : support.virtualMachine;
  if (!block || block.enabled !== true) return false;
  return block[feature] === true;
}

export const ResolvedComputeSupport = z.object({
  product: ComputeProduct,
  support: ComputeSupport,
});
export type ResolvedComputeSupport = z.infer<typeof ResolvedComputeSupport>;

export const SupportByProvider = z.object({
  productsByProvider: z.record(z.string(), z.array(ResolvedComputeSupport)),
});
export type SupportByProvider = z.infer<typeof SupportByProvider>;
