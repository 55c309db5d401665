import {
  JobSpecification,
  JobUpdate,
  type Job,
  type JobIncludeFlags,
  type ResolvedComputeSupport,
  type ResourcePermissions,
} from '@ucloud/contracts';
import type { jobs, jobUpdates } from '../db/schema.js';
import type { Catalog } from '../catalog/catalog.js';

export type JobRow = typeof jobs.$inferSelect;
export type UpdateRow = typeof jobUpdates.$inferSelect;

export interface ViewContext {
  catalog: Catalog;
  /** Declared support of the job's product, when the caller asked for it and the provider told us. */
  supportOf?: (row: JobRow) => ResolvedComputeSupport | null;
  /** The caller's permissions (and, for the owner, everyone's); absent for provider views. */
  permissionsOf?: (row: JobRow) => ResourcePermissions;
}

export const parseSpecification = (row: JobRow) =>
  JobSpecification.parse(JSON.parse(row.specification));
export const parseUpdate = (row: UpdateRow) => JobUpdate.parse(JSON.parse(row.update));

/** Renders a stored job as the spec's Job, honouring the include flags. */
export function toApiJob(
  row: JobRow,
  updates: UpdateRow[],
  flags: JobIncludeFlags,
  ctx: ViewContext,
): Job {
  const spec = parseSpecification(row);
  const includeParameters = flags.includeParameters === true;
  const app =
    flags.includeApplication === true ? ctx.catalog.findApplication(spec.application) : undefined;
  const product = flags.includeProduct === true ? ctx.catalog.findProduct(spec.product) : undefined;
  return {
    id: String(row.id),
    owner: { createdBy: row.ownerUsername, project: row.ownerProject },
    updates: updates.map(parseUpdate),
    specification: {
      ...spec,
      parameters: includeParameters ? spec.parameters : null,
      resources: includeParameters ? spec.resources : null,
    },
    status: {
      state: row.state,
      jobParametersJson: null,
      startedAt: row.startedAt,
      expiresAt: row.expiresAt,
      resolvedApplication: app ? { metadata: app.metadata, invocation: app.invocation } : null,
      resolvedSupport: flags.includeSupport === true ? (ctx.supportOf?.(row) ?? null) : null,
      resolvedProduct: product ?? null,
      allowRestart: row.allowRestart,
    },
    createdAt: row.createdAt,
    output: row.outputFolder === null ? null : { outputFolder: row.outputFolder },
    permissions: ctx.permissionsOf?.(row) ?? null,
    providerGeneratedId: row.providerGeneratedId,
  };
}

/** The whole job as a provider needs it: parameters, application and product resolved. */
export const toProviderJob = (row: JobRow, updates: UpdateRow[], ctx: ViewContext): Job =>
  toApiJob(
    row,
    updates,
    { includeParameters: true, includeApplication: true, includeProduct: true },
    ctx,
  );
