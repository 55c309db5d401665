import {
  badRequest,
  type CatalogService,
  type NameAndVersion,
  type UserActor,
} from '@ucloud/contracts';
import type { Catalog } from './catalog.js';

/** Browsing the applications and products users can run. */
export class CatalogServiceImpl implements CatalogService {
  constructor(private readonly catalog: Catalog) {}

  async listApplications(_actor: UserActor, page: { itemsPerPage: number; page: number }) {
    const all = this.catalog.listApplications();
    const items = all.slice(page.page * page.itemsPerPage, (page.page + 1) * page.itemsPerPage);
    return {
      itemsInTotal: all.length,
      itemsPerPage: page.itemsPerPage,
      pageNumber: page.page,
      items: items.map((a) => ({ metadata: a.metadata, favorite: a.favorite, tags: a.tags })),
    };
  }

  async findApplication(_actor: UserActor, ref: NameAndVersion) {
    return this.catalog.requireApplicationForRead(ref);
  }

  async browseProducts(
    _actor: UserActor,
    request: { itemsPerPage?: number | null; next?: string | null },
  ) {
    const itemsPerPage = request.itemsPerPage ?? 50;
    const start = request.next ? Number(request.next) : 0;
    if (!Number.isSafeInteger(start) || start < 0)
      throw badRequest('next: not a cursor returned by browse');
    const all = this.catalog.listProducts();
    const items = all.slice(start, start + itemsPerPage);
    return {
      itemsPerPage,
      items,
      next: start + itemsPerPage < all.length ? String(start + itemsPerPage) : null,
    };
  }
}
