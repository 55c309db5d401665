import {
  badRequest,
  forbidden,
  notFound,
  type BulkRequest,
  type BulkResponse,
  type FindByStringId,
  type License,
  type LicenseProduct,
  type LicensesBrowseRequest,
  type LicensesCreateItem,
  type LicensesService,
  type PageV2,
  type Unit,
  type UserActor,
} from '@ucloud/contracts';
import type { Catalog } from '../catalog/catalog.js';
import type { ProjectStore } from '../projects/store.js';
import { canManage, canUse, type LicenseRow, type LicenseUser } from './access.js';
import type { LicenseStore } from './store.js';
import { pageOf } from '../paging.js';

const DEFAULT_PAGE = 50;

/** Activating, listing and deactivating licenses, and checking a job may use one. */
export class LicensesServiceImpl implements LicensesService {
  constructor(
    private readonly store: LicenseStore,
    private readonly catalog: Catalog,
    private readonly projects: ProjectStore,
  ) {}

  async create(
    actor: UserActor,
    request: BulkRequest<LicensesCreateItem>,
  ): Promise<BulkResponse<FindByStringId>> {
    const user = this.workspaceUser(actor);
    const items = request.items.map((item, i) => {
      if (!this.catalog.findLicenseProduct(item.product))
        throw badRequest(`items[${i}].product: unknown license product ${item.product.id}`);
      return { owner: { username: user.username, project: user.project }, product: item.product };
    });
    return { responses: this.store.create(items, Date.now()).map((id) => ({ id: String(id) })) };
  }

  async retrieve(actor: UserActor, request: FindByStringId): Promise<License> {
    const user = this.workspaceUser(actor);
    return this.view(this.requireLicense(request.id, user, 'id'), user);
  }

  async browse(actor: UserActor, request: LicensesBrowseRequest): Promise<PageV2<License>> {
    const user = this.workspaceUser(actor);
    const itemsPerPage = request.itemsPerPage ?? DEFAULT_PAGE;
    const after = request.next ? Number(request.next) : 0;
    if (!Number.isSafeInteger(after)) throw badRequest('next: not a cursor returned by browse');
    const rows = this.store.ofWorkspace(user, after, itemsPerPage + 1);
    const { page, next } = pageOf(rows, itemsPerPage);
    return {
      itemsPerPage,
      items: page.map((l) => this.view(l, user)),
      next,
    };
  }

  async delete(
    actor: UserActor,
    request: BulkRequest<FindByStringId>,
  ): Promise<BulkResponse<Unit>> {
    const user = this.workspaceUser(actor);
    const ids = request.items.map((item, i) => {
      const license = this.requireLicense(item.id, user, `items[${i}].id`);
      if (!canManage(license, user))
        throw forbidden(
          `items[${i}].id: only whoever activated license ${item.id} or a project admin may deactivate it`,
        );
      return license.id;
    });
    this.store.deactivate(ids, Date.now());
    return { responses: ids.map(() => ({})) };
  }

  async browseProducts(): Promise<PageV2<LicenseProduct>> {
    const items = this.catalog.listLicenseProducts();
    return { itemsPerPage: items.length, items, next: null };
  }

  /** The license, if a job of `owner` on `provider` may use it; a 400 naming `field` otherwise. */
  requireUsable(
    id: string,
    owner: { username: string; project: string | null },
    provider: string,
    field: string,
  ): number {
    const user = {
      ...owner,
      role: owner.project === null ? null : this.projects.roleOf(owner.project, owner.username),
    };
    const n = Number(id);
    const license = /^\d+$/.test(id) ? this.store.get(n) : undefined;
    if (!license || !canUse(license, user))
      throw badRequest(`${field}: no license with id ${JSON.stringify(id)} in this workspace`);
    if (license.provider !== provider)
      throw badRequest(`${field}: license ${id} is served by ${license.provider}, not ${provider}`);
    return license.id;
  }

  private requireLicense(id: string, user: LicenseUser, field: string): LicenseRow {
    const license = /^\d+$/.test(id) ? this.store.get(Number(id)) : undefined;
    if (!license || !canUse(license, user))
      throw notFound(`${field}: no license with id ${JSON.stringify(id)}`);
    return license;
  }

  private workspaceUser(actor: UserActor): LicenseUser {
    return { username: actor.username, project: actor.project, role: actor.role };
  }

  private view(license: LicenseRow, user: LicenseUser): License {
    return {
      id: String(license.id),
      specification: {
        product: { id: license.productId, category: license.category, provider: license.provider },
      },
      owner: { createdBy: license.ownerUsername, project: license.ownerProject },
      createdAt: license.createdAt,
      status: { state: 'READY' },
      permissions: { myself: canManage(license, user) ? ['ADMIN'] : ['READ'], others: null },
    };
  }
}
