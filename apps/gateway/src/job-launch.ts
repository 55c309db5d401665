import {
  ApiError,
  badRequest,
  durationToMillis,
  type Job,
  renderInvocation,
  type ToolBackend,
  validateParameters,
} from '@ucloud/contracts';
import { Backend, type CreateJobRequest } from '@ucloud/provider-proto';

const BACKENDS: Record<ToolBackend, Backend> = {
  NATIVE: Backend.BACKEND_NATIVE,
  DOCKER: Backend.BACKEND_DOCKER,
  VIRTUAL_MACHINE: Backend.BACKEND_VIRTUAL_MACHINE,
};

const GIB = 1024 ** 3;

/**
 * Everything a plugin needs to start `job`: the command line rendered from the resolved
 * application and the job's parameters, the product's resources and the tool's image.
 * `field` locates the job in the request (e.g. `items[0]`) so errors name the bad field.
 */
export function toCreateJobRequest(
  job: Job,
  field: string,
  backendSupported: (backend: ToolBackend) => boolean,
): CreateJobRequest {
  const { specification: spec, status } = job;
  const app = status.resolvedApplication;
  if (!app) throw badRequest(`${field}.status.resolvedApplication: required to start a job`);
  const product = status.resolvedProduct;
  if (!product) throw badRequest(`${field}.status.resolvedProduct: required to start a job`);
  const tool = app.invocation.tool.tool;
  if (!tool) {
    throw badRequest(
      `${field}.status.resolvedApplication.invocation.tool.tool: required to start a job`,
    );
  }

  const backend = tool.description.backend;
  if (!backendSupported(backend)) {
    throw badRequest(
      `${field}.specification.product: product ${spec.product.id} does not support tools with the ${backend} backend`,
    );
  }

  const baseEnvironment: Record<string, string> = {};
  if (spec.openedFile) baseEnvironment.UCLOUD_OPEN_WITH_FILE = spec.openedFile;
  const { argv, environment } = atField(`${field}.specification`, () => {
    validateParameters(app, spec.parameters, spec.resources);
    return renderInvocation(app, spec.parameters, { environment: baseEnvironment });
  });

  const type = app.invocation.applicationType;
  const interactivePort =
    type === 'WEB'
      ? (app.invocation.web?.port ?? 80)
      : type === 'VNC'
        ? (app.invocation.vnc?.port ?? 5900)
        : 0;

  return {
    jobId: job.id,
    productId: spec.product.id,
    productCategory: spec.product.category,
    replicas: spec.replicas,
    backend: BACKENDS[backend],
    argv,
    environment,
    image: tool.description.image ?? tool.description.container ?? '',
    timeAllocationMs: spec.timeAllocation ? String(durationToMillis(spec.timeAllocation)) : '0',
    cpu: product.cpu ?? 0,
    memoryBytes: String(Math.round((product.memoryInGigs ?? 0) * GIB)),
    gpu: product.gpu ?? 0,
    jobJson: JSON.stringify(job),
    applicationType: type,
    interactivePort,
  };
}

/** Runs `fn`, prefixing the field path of a BAD_REQUEST it throws (`parameters.x` → `items[0].specification.parameters.x`). */
function atField<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ApiError && error.code === 'BAD_REQUEST') {
      throw badRequest(`${prefix}.${error.message}`);
    }
    throw error;
  }
}
