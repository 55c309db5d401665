type Fields = Readonly<Record<string, string>>;

/**
 * The flag or argument behind each field the commands send, so that a refusal reads in the terms
 * typed at the prompt. `items.x` is field x of the one item a command sends (`items[0].x` in the
 * server's message); a name without `items.` is a field of the request itself.
 */
const FIELDS: Fields = {
  id: '<id>',
  jobId: '<jobId>',
  // The Project header, which --project before the command sets.
  project: '--project',
  'items.id': '<id>',
  'items.quota': '--quota',
  'items.startDate': '--start',
  'items.endDate': '--end',
  'items.category': '--category and --provider',
  'items.category.name': '--category',
  'items.category.provider': '--provider',
  'items.owner': '--user or --project',
  'items.owner.username': '--user',
  'items.owner.projectId': '--project',
  'items.parentProject': '--parent-project',
  'items.parent': '--parent',
  'items.pi': '--pi',
  'items.title': '<title>',
  'items.role': '--role',
  'items.roles': '--role',
  'items.project': '<project>',
  'items.username': '<user>',
  'items.group': '<groupId>',
};

/** Where a call's flag for a field differs from the one above, by the call's tRPC path. */
const BY_CALL: Readonly<Record<string, Fields>> = {
  'tokens.issue': {
    'items.name': '<name>',
    'items.username': '--user',
    'items.expiresAt': '--expires',
  },
  'tokens.browse': { username: '--user' },
  'jobs.create': {
    'items.application': '<app>',
    'items.product': '--product',
    'items.replicas': '--replicas',
    'items.timeAllocation': '--time',
    'items.name': '--name',
  },
  'jobs.extend': { 'items.jobId': '<job>', 'items.requestedTime': '--time' },
  'jobs.browse': { filterState: '--state', filterApplication: '--app' },
  // ucloud's commands name a job <job>.
  'jobs.retrieve': { id: '<job>' },
  'jobs.openInteractiveSession': { 'items.id': '<job>', 'items.rank': '--rank' },
};

/** `items[0].parameters.steps`: the parameter `--param steps=…` gave. */
const PARAMETER = /^items\.parameters\.([\w-]+)$/;

/** `items[0].quota: …; id: …`: each refusal starts with the path of the field it is about. */
const FIELD_PATH = /(^|; )((?:items\[\d+\]\.)?[A-Za-z][\w.]*)(?=: )/g;

/**
 * The server's message with each field it names that a flag or argument filled named as such;
 * `call` is the tRPC path of the call refused (`accounting.rootAllocate`).
 */
export function inFlagTerms(message: string, call?: string): string {
  const fields = { ...FIELDS, ...(call === undefined ? {} : BY_CALL[call]) };
  return message.replace(FIELD_PATH, (whole, start: string, path: string) => {
    const field = path.replace(/^items\[\d+\]/, 'items');
    const parameter = call === 'jobs.create' ? PARAMETER.exec(field)?.[1] : undefined;
    const flag = parameter === undefined ? fields[field] : `--param ${parameter}`;
    return flag ? `${start}${flag}` : whole;
  });
}
