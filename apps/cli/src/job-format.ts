import type {
  ApplicationWithFavoriteAndTags,
  JobState,
  ResolvedComputeSupport,
  ToolBackend,
} from '@ucloud/contracts';
import type { ApiJob as Job } from './client.js';
import { formatDate } from './dates.js';
import { formatDuration } from './duration.js';
import { table } from './format.js';
import type { Colors } from './terminal.js';

type Summary = Pick<ApplicationWithFavoriteAndTags, 'metadata' | 'tags'>;

/** A state coloured by how it went (colours are off unless a person is reading). */
export function stateLabel(state: JobState, colors: Colors): string {
  if (state === 'SUCCESS') return colors.green(state);
  if (state === 'FAILURE') return colors.red(state);
  if (state === 'EXPIRED' || state === 'SUSPENDED') return colors.yellow(state);
  return colors.cyan(state);
}

const product = (job: Job) =>
  `${job.specification.product.id}@${job.specification.product.provider}`;
const application = (job: Job) =>
  `${job.specification.application.name}@${job.specification.application.version}`;

export function jobsText(jobs: Job[], colors: Colors): string {
  if (jobs.length === 0) return 'no jobs';
  return table(
    ['ID', 'STATE', 'APPLICATION', 'PRODUCT', 'NAME', 'CREATED'],
    jobs.map((j) => [
      j.id,
      stateLabel(j.status.state, colors),
      application(j),
      product(j),
      j.specification.name ?? '-',
      formatDate(j.createdAt),
    ]),
  );
}

/** A job: what it runs on, its state and deadline, then its timeline. */
export function jobText(job: Job, colors: Colors): string {
  const { specification: spec, status } = job;
  const owner = job.owner.project
    ? `${job.owner.createdBy} in project ${job.owner.project}`
    : job.owner.createdBy;
  const lines = [
    `job ${job.id}${spec.name ? `: ${spec.name}` : ''}`,
    `state        ${stateLabel(status.state, colors)}`,
    `application  ${application(job)}`,
    `product      ${product(job)}`,
    `replicas     ${spec.replicas}`,
    `time         ${spec.timeAllocation ? formatDuration(spec.timeAllocation) : '-'}`,
    `owner        ${owner}`,
    `created      ${formatDate(job.createdAt)}`,
    `started      ${status.startedAt ? formatDate(status.startedAt) : '-'}`,
    `expires      ${status.expiresAt ? formatDate(status.expiresAt) : '-'}`,
  ];
  const parameters = Object.entries(spec.parameters ?? {});
  if (parameters.length > 0)
    lines.push(
      '',
      table(
        ['PARAMETER', 'VALUE'],
        parameters.map(([name, value]) => [name, parameterText(value)]),
      ),
    );
  if (job.updates.length > 0)
    lines.push(
      '',
      table(
        ['TIME', 'STATE', 'STATUS'],
        job.updates.map((u) => [
          u.timestamp ? formatDate(u.timestamp) : '-',
          u.state ? stateLabel(u.state, colors) : '-',
          u.status ?? '',
        ]),
      ),
    );
  return lines.join('\n');
}

function parameterText(value: NonNullable<Job['specification']['parameters']>[string]): string {
  switch (value.type) {
    case 'file':
      return value.path;
    case 'peer':
      return `job ${value.jobId} as ${value.hostname}`;
    case 'license_server':
    case 'network':
    case 'block_storage':
    case 'ingress':
      return value.id;
    default:
      return String(value.value);
  }
}

/** Applications, newest version last among a name's. */
export function appsText(apps: Summary[]): string {
  if (apps.length === 0) return 'no applications';
  return table(
    ['APPLICATION', 'VERSION', 'TITLE'],
    apps.map((a) => [a.metadata.name, a.metadata.version, a.metadata.title]),
  );
}

const BACKENDS: Array<[ToolBackend, 'docker' | 'native' | 'virtualMachine']> = [
  ['NATIVE', 'native'],
  ['DOCKER', 'docker'],
  ['VIRTUAL_MACHINE', 'virtualMachine'],
];

/** What each product offers: the backends it runs, and what it declares for them. */
function features(support: ResolvedComputeSupport['support']): string {
  return BACKENDS.flatMap(([backend, key]) => {
    const block = support[key] as Record<string, boolean | null> | null;
    if (block?.enabled !== true) return [];
    const on = Object.entries(block)
      .filter(([name, value]) => name !== 'enabled' && value === true)
      .map(([name]) => name);
    return [`${backend}(${on.join(',')})`];
  }).join(' ');
}

export function productsText(products: ResolvedComputeSupport[]): string {
  if (products.length === 0) return 'no products';
  return table(
    ['PRODUCT', 'CATEGORY', 'PROVIDER', 'CPU', 'MEMORY', 'GPU', 'PRICE', 'SUPPORTS'],
    products.map(({ product: p, support }) => [
      p.name,
      p.category.name,
      p.category.provider,
      String(p.cpu ?? '-'),
      p.memoryInGigs === null ? '-' : `${p.memoryInGigs} GiB`,
      String(p.gpu ?? '-'),
      `${p.pricePerUnit}/${p.unitOfPrice}`,
      features(support),
    ]),
  );
}
