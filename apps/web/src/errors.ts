import { TRPCClientError } from '@trpc/client';

/** An error as a sentence for the user: the API's own words where it gave some. */
export function describeError(error: unknown): string {
  if (error instanceof TRPCClientError) {
    if (error.data === undefined || error.data === null)
      return `The orchestrator could not be reached (${error.message}).`;
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The HTTP status of a failed call, if the orchestrator answered. */
export function statusOf(error: unknown): number | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const data: unknown = error.data;
  if (typeof data === 'object' && data !== null && 'httpStatus' in data) {
    return typeof data.httpStatus === 'number' ? data.httpStatus : undefined;
  }
  return undefined;
}

/**
 * Splits a refusal of `jobs.create` into messages per form field. The API names the field of the
 * first item (`items[0].parameters.steps: must be at most 100000`, several joined by "; "); what
 * names no field of the form is kept under `form`.
 */
export function fieldErrors(message: string): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const part of message.split('; ')) {
    const match = /^items\[0\]\.(?:specification\.)?([\w.[\]]+): (.*)$/s.exec(part);
    const field = match?.[1]?.replace(/^(parameters\.[^.]+|timeAllocation|product).*$/, '$1');
    const key = field ?? 'form';
    errors[key] = errors[key] ? `${errors[key]}; ${match?.[2] ?? part}` : (match?.[2] ?? part);
  }
  return errors;
}
