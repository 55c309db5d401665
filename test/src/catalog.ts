import { DEMO_CATALOG_FILE } from '@ucloud/orchestrator';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Catalogs for tests: a base catalog (the demo catalog unless told) with products and applications
 * added, each a copy of one the base has with what differs changed, so that the tests' catalogs
 * follow the catalog format as it grows.
 */

/** A product to add, named as a job names it; of provider `example` like the demo's. */
export interface CatalogProduct {
  id: string;
  category: string;
  provider: string;
  /** Fields in which it differs from the base catalog's first product, which it copies. */
  fields?: Record<string, unknown>;
  /** Fields in which its category differs from that product's category, which it copies. */
  categoryFields?: Record<string, unknown>;
  /** What the native plugin declares for it (its PRODUCTS `features`); the plugin's defaults when absent. */
  features?: Record<string, boolean>;
}

/** An application to add: a copy of the base catalog's application `like`. */
export interface CatalogApplication {
  like: string;
  /** Metadata fields that differ: at least its name (and version, title…). */
  metadata: Record<string, unknown>;
  /** Fields of its invocation that differ (the command, its parameters…). */
  invocation?: Record<string, unknown>;
}

export interface CatalogSetup {
  /** The catalog file added to; the demo catalog by default. */
  base?: string;
  products?: CatalogProduct[];
  applications?: CatalogApplication[];
}

/** The benches' catalog (the demo's applications and `bench-clock`), from src/ or dist/ alike. */
export const BENCH_CATALOG = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'src',
  'bench',
  'bench-catalog.json',
);

type Entry = Record<string, unknown>;
interface CatalogFile {
  categories: Entry[];
  products: Entry[];
  applications: Array<{ metadata: Entry; invocation: Entry }>;
}

/** Writes the base catalog with `setup`'s additions to `file`, and returns `file`. */
export function writeCatalog(file: string, setup: CatalogSetup): string {
  const catalog = JSON.parse(readFileSync(setup.base ?? DEMO_CATALOG_FILE, 'utf8')) as CatalogFile;
  const template = catalog.products[0]!;
  const templateCategory = template.category as { name: string; provider: string };
  const likeCategory =
    catalog.categories.find(
      (c) => c.name === templateCategory.name && c.provider === templateCategory.provider,
    ) ?? catalog.categories[0];
  for (const product of setup.products ?? []) {
    const category = { name: product.category, provider: product.provider };
    if (
      !catalog.categories.some((c) => c.name === category.name && c.provider === category.provider)
    )
      catalog.categories.push({ ...likeCategory, ...product.categoryFields, ...category });
    catalog.products.push({ ...template, ...product.fields, name: product.id, category });
  }
  for (const application of setup.applications ?? []) {
    const like = catalog.applications.find((a) => a.metadata.name === application.like);
    if (!like) throw new Error(`the base catalog has no application ${application.like}`);
    catalog.applications.push({
      ...like,
      metadata: { ...like.metadata, ...application.metadata },
      invocation: { ...like.invocation, ...application.invocation },
    });
  }
  writeFileSync(file, JSON.stringify(catalog));
  return file;
}

/** The native plugin's PRODUCTS for a catalog with `added`: the demo product and those. */
export function nativeProducts(added: CatalogProduct[]): string {
  return JSON.stringify([
    { id: 'example-compute', category: 'example-compute' },
    ...added.map(({ id, category, features }) =>
      features ? { id, category, features } : { id, category },
    ),
  ]);
}
