import {
  Application,
  ComputeProduct,
  notFound,
  badRequest,
  type ApplicationWithFavoriteAndTags,
  type NameAndVersion,
  type ProductReference,
} from '@ucloud/contracts';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const DEMO_CATALOG_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'catalog',
  'demo-catalog.json',
);

const CatalogFile = z.object({
  products: z.array(ComputeProduct),
  applications: z.array(Application.extend({ tags: z.array(z.string()).default([]) })),
});

/** The products and applications users can run, loaded from a JSON file at start. */
export class Catalog {
  private readonly applications = new Map<string, ApplicationWithFavoriteAndTags>();
  private readonly products = new Map<string, z.infer<typeof ComputeProduct>>();

  constructor(file: z.input<typeof CatalogFile>) {
    const parsed = CatalogFile.parse(file);
    for (const p of parsed.products)
      this.products.set(
        productKey({ provider: p.category.provider, category: p.category.name, id: p.name }),
        p,
      );
    for (const a of parsed.applications) {
      this.applications.set(appKey(a.metadata), { ...a, favorite: false });
    }
  }

  static fromFile(path: string): Catalog {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new Error(`cannot read catalog ${path}: ${(e as Error).message}`, { cause: e });
    }
    const parsed = CatalogFile.safeParse(raw);
    if (!parsed.success) {
      throw new Error(
        `invalid catalog ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    return new Catalog(parsed.data);
  }

  listApplications(): ApplicationWithFavoriteAndTags[] {
    return [...this.applications.values()];
  }

  listProducts() {
    return [...this.products.values()];
  }

  /** Ids of the providers that offer at least one product. */
  providers(): string[] {
    return [...new Set(this.listProducts().map((p) => p.category.provider))];
  }

  findApplication(ref: NameAndVersion): ApplicationWithFavoriteAndTags | undefined {
    return this.applications.get(appKey(ref));
  }

  requireApplication(ref: NameAndVersion, field = 'application'): ApplicationWithFavoriteAndTags {
    const app = this.findApplication(ref);
    if (!app) throw badRequest(`${field}: unknown application ${ref.name}@${ref.version}`);
    return app;
  }

  findProduct(ref: ProductReference) {
    return this.products.get(productKey(ref));
  }

  requireProduct(ref: ProductReference, field = 'product') {
    const product = this.findProduct(ref);
    if (!product)
      throw badRequest(
        `${field}: unknown product ${ref.id} (category ${ref.category}, provider ${ref.provider})`,
      );
    return product;
  }

  requireApplicationForRead(ref: NameAndVersion) {
    const app = this.findApplication(ref);
    if (!app) throw notFound(`no application ${ref.name}@${ref.version}`);
    return app;
  }
}

const appKey = (ref: { name: string; version: string }) => `${ref.name}@${ref.version}`;
const productKey = (ref: ProductReference) => `${ref.provider}/${ref.category}/${ref.id}`;
