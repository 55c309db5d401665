import {
  Application,
  ComputeProduct,
  LicenseProduct,
  ProductCategory,
  notFound,
  badRequest,
  type ApplicationWithFavoriteAndTags,
  type NameAndVersion,
  type ProductReference,
  errorMessage,
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

const CatalogFile = z
  .object({
    /** How each category's usage is counted and charged (accounting unit and frequency). */
    categories: z.array(ProductCategory),
    products: z.array(ComputeProduct),
    licenses: z.array(LicenseProduct).default([]),
    applications: z.array(Application.extend({ tags: z.array(z.string()).default([]) })),
  })
  .superRefine((file, ctx) => {
    [...file.products, ...file.licenses].forEach((p, i) => {
      const declared = file.categories.some(
        (c) => c.name === p.category.name && c.provider === p.category.provider,
      );
      if (!declared)
        ctx.addIssue({
          code: 'custom',
          path:
            i < file.products.length
              ? ['products', i, 'category']
              : ['licenses', i - file.products.length, 'category'],
          message: `category ${p.category.name} of provider ${p.category.provider} is not in categories`,
        });
    });
  });

/** The products and applications users can run, loaded from a JSON file at start. */
export class Catalog {
  private readonly applications = new Map<string, ApplicationWithFavoriteAndTags>();
  private readonly products = new Map<string, z.infer<typeof ComputeProduct>>();
  private readonly categories = new Map<string, ProductCategory>();
  private readonly licenses = new Map<string, LicenseProduct>();

  constructor(file: z.input<typeof CatalogFile>) {
    const parsed = CatalogFile.parse(file);
    for (const c of parsed.categories) this.categories.set(`${c.provider}/${c.name}`, c);
    for (const l of parsed.licenses)
      this.licenses.set(
        productKey({ provider: l.category.provider, category: l.category.name, id: l.name }),
        l,
      );
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
      throw new Error(`cannot read catalog ${path}: ${errorMessage(e)}`, { cause: e });
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

  /** The category a product belongs to (every product's category is declared; the file is checked). */
  categoryOf(ref: { provider: string; category: string }): ProductCategory {
    const category = this.categories.get(`${ref.provider}/${ref.category}`);
    if (!category) throw new Error(`category ${ref.category} of ${ref.provider} is not declared`);
    return category;
  }

  findLicenseProduct(ref: ProductReference): LicenseProduct | undefined {
    return this.licenses.get(productKey(ref));
  }

  listLicenseProducts(): LicenseProduct[] {
    return [...this.licenses.values()];
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
