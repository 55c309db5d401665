import { z } from 'zod';

/**
 * A spec field typed `T?`: clients may send it as null or leave it out; it always reads back as
 * an explicit `null`, because the spec's JSON shows every field, null or not.
 */
export const nullable = <T extends z.ZodType>(schema: T) => schema.nullable().default(null);

export const NameAndVersion = z.object({
  name: z.string().min(1, 'must not be empty'),
  version: z.string().min(1, 'must not be empty'),
});
export type NameAndVersion = z.infer<typeof NameAndVersion>;

export const ProductReference = z.object({
  id: z.string().min(1, 'must not be empty'),
  category: z.string().min(1, 'must not be empty'),
  provider: z.string().min(1, 'must not be empty'),
});
export type ProductReference = z.infer<typeof ProductReference>;

/** The longest time allocation or extension accepted: ten years. */
export const MAX_DURATION_HOURS = 87_600;

export const SimpleDuration = z
  .object({
    hours: z.number().int().min(0),
    minutes: z.number().int().min(0),
    seconds: z.number().int().min(0),
  })
  // A job allotted no time would expire as it starts; an extension by nothing changes nothing.
  .refine((d) => d.hours + d.minutes + d.seconds > 0, 'must be longer than zero')
  // Beyond this a deadline stops being a number every scheduler (and uint64 milliseconds) can hold.
  .refine(
    (d) => d.hours * 3600 + d.minutes * 60 + d.seconds <= MAX_DURATION_HOURS * 3600,
    `must be at most ${MAX_DURATION_HOURS} hours (10 years) in all`,
  );
export type SimpleDuration = z.infer<typeof SimpleDuration>;

export const durationToMillis = (d: SimpleDuration): number =>
  ((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000;

export const ResourceOwner = z.object({
  createdBy: z.string(),
  project: nullable(z.string()),
});
export type ResourceOwner = z.infer<typeof ResourceOwner>;

export const FindByStringId = z.strictObject({ id: z.string().min(1, 'must not be empty') });
export type FindByStringId = z.infer<typeof FindByStringId>;

/** Most bulk calls accept between one and this many items. */
export const MAX_BULK_ITEMS = 1000;

export const BulkRequest = <T extends z.ZodType>(item: T) =>
  z.strictObject({
    items: z
      .array(item)
      .min(1, 'must contain at least one item')
      .max(MAX_BULK_ITEMS, `must contain at most ${MAX_BULK_ITEMS} items`),
  });
export type BulkRequest<T> = { items: T[] };

export const BulkResponse = <T extends z.ZodType>(item: T) =>
  z.object({ responses: z.array(item) });
export type BulkResponse<T> = { responses: T[] };

/** `Unit` in the spec: serialised as `{}`. */
export const Unit = z.object({}).strict();
export type Unit = Record<string, never>;

export const PageV2 = <T extends z.ZodType>(item: T) =>
  z.object({
    itemsPerPage: z.number().int(),
    items: z.array(item),
    next: z.string().nullable(),
  });
export type PageV2<T> = { itemsPerPage: number; items: T[]; next: string | null };

/** Query-string friendly number: REST callers send `?itemsPerPage=50`. */
export const QueryInt = z.coerce.number().int();
/** Query-string friendly boolean: accepts true/false as JSON booleans or strings. */
export const QueryBool = z.preprocess(
  (v) => (v === 'true' ? true : v === 'false' ? false : v),
  z.boolean(),
);

/** Most items a page request may skip (`itemsToSkip`): skipping costs a read of each. */
export const MAX_ITEMS_TO_SKIP = 10_000;

export const PaginationV2 = z.object({
  itemsPerPage: nullable(QueryInt.min(1).max(250)),
  next: nullable(z.string()),
  consistency: nullable(z.enum(['PREFER', 'REQUIRE'])),
  itemsToSkip: nullable(
    QueryInt.min(0).max(MAX_ITEMS_TO_SKIP, `must be at most ${MAX_ITEMS_TO_SKIP}`),
  ),
});

export const Permission = z.enum(['READ', 'EDIT', 'ADMIN', 'PROVIDER']);
export type Permission = z.infer<typeof Permission>;

export const AclEntity = z.discriminatedUnion('type', [
  z.object({ type: z.literal('user'), username: z.string().min(1) }),
  z.object({
    type: z.literal('project_group'),
    projectId: z.string().min(1),
    group: z.string().min(1),
  }),
]);
export type AclEntity = z.infer<typeof AclEntity>;

export const ResourceAclEntry = z.object({ entity: AclEntity, permissions: z.array(Permission) });
export type ResourceAclEntry = z.infer<typeof ResourceAclEntry>;

export const ResourcePermissions = z.object({
  myself: z.array(Permission),
  others: nullable(z.array(ResourceAclEntry)),
});
export type ResourcePermissions = z.infer<typeof ResourcePermissions>;

/** updateAcl item: grants to add (replacing the entity's earlier ones) and entities to remove. */
export const UpdatedAcl = z.strictObject({
  id: z.string().min(1, 'must not be empty'),
  added: z.array(ResourceAclEntry).default([]),
  deleted: z.array(AclEntity).default([]),
});
export type UpdatedAcl = z.infer<typeof UpdatedAcl>;
