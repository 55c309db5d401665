import { z } from 'zod';
import { ChargeType, ProductCategoryId, ProductPriceUnit } from './products.js';
import {
  nullable,
  ProductReference,
  QueryInt,
  ResourceOwner,
  ResourcePermissions,
} from './shared.js';

/** Product.License: a software license a provider serves, activated by users for their jobs. */
export const LicenseProduct = z.object({
  type: z.literal('license').default('license'),
  name: z.string().min(1),
  pricePerUnit: z.number().int().min(0),
  category: ProductCategoryId,
  description: z.string().default(''),
  priority: z.number().int().default(0),
  version: z.number().int().default(1),
  freeToUse: z.boolean().default(true),
  unitOfPrice: ProductPriceUnit.default('PER_UNIT'),
  chargeType: ChargeType.default('ABSOLUTE'),
  hiddenInGrantApplications: z.boolean().default(false),
  productType: z.literal('LICENSE').default('LICENSE'),
  tags: z.array(z.string()).default([]),
});
export type LicenseProduct = z.infer<typeof LicenseProduct>;

/**
 * An activated license: owned by a user, or by a project for all its members. Jobs name it in a
 * `license_server` parameter or resource; a job whose owner can no longer use it is terminated.
 */
export const License = z.object({
  id: z.string(),
  specification: z.object({ product: ProductReference }),
  owner: ResourceOwner,
  createdAt: z.number(),
  status: z.object({ state: z.enum(['READY']) }),
  permissions: nullable(ResourcePermissions),
});
export type License = z.infer<typeof License>;

export const LicensesCreateItem = z.object({ product: ProductReference });
export type LicensesCreateItem = z.infer<typeof LicensesCreateItem>;

export const LicensesBrowseRequest = z.object({
  itemsPerPage: QueryInt.min(1).max(250).nullish(),
  next: z.string().nullish(),
});
export type LicensesBrowseRequest = z.infer<typeof LicensesBrowseRequest>;
