import type {
  AppRouter,
  ComputeSupport,
  JobState,
  SupportFeature,
  ToolBackend,
} from '@ucloud/contracts';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';

// Types only: the contracts' runtime (zod schemas, the server router) stays out of the bundle.
export type Outputs = inferRouterOutputs<AppRouter>;
export type Inputs = inferRouterInputs<AppRouter>;

export type Job = Outputs['jobs']['retrieve'];
export type Application = Outputs['catalog']['findApplication'];
export type ApplicationParameter = Application['invocation']['parameters'][number];
export type JobSpecification = Inputs['jobs']['create']['items'][number];
export type ParameterValue = NonNullable<JobSpecification['parameters']>[string];
export type ResolvedSupport =
  Outputs['jobs']['retrieveProducts']['productsByProvider'][string][number];
export type Wallet = Outputs['accounting']['browseWallets']['items'][number];
export type { ComputeSupport, JobState };

export const JOB_STATES: readonly JobState[] = [
  'IN_QUEUE',
  'RUNNING',
  'CANCELING',
  'SUSPENDED',
  'SUCCESS',
  'FAILURE',
  'EXPIRED',
];

/** The contracts' `isFinalState`, restated so that the bundle does not carry the contracts' runtime. */
export const isFinal = (state: JobState) =>
  state === 'SUCCESS' || state === 'FAILURE' || state === 'EXPIRED';

/** The contracts' `supports`, restated for the same reason: what the orchestrator checks. */
export function supports(
  support: ComputeSupport,
  backend: ToolBackend,
  feature: SupportFeature,
): boolean {
  const block: Partial<Record<string, boolean | null>> | null =
    backend === 'DOCKER'
      ? support.docker
      : backend === 'NATIVE'
        ? support.native
        : support.virtualMachine;
  return block?.enabled === true && block[feature] === true;
}
