import { ApiError, type InteractiveSessionType, type RedeemedSession } from '@ucloud/contracts';
import { OrchestratorCallError } from './errors.js';
import type { JobsControl } from './orchestrator-client.js';
import type { PluginClient } from './plugin-client.js';
import type { SessionTickets } from './session-tickets.js';

export interface AdmissionDeps {
  tickets: SessionTickets;
  control: Pick<JobsControl, 'redeemSession'>;
}

/** A ticket the orchestrator let open: the session it recorded and the plugin that serves it. */
export interface Admitted {
  plugin: PluginClient;
  session: RedeemedSession;
}

/** Opens a ticket: routed by this gateway, allowed by the orchestrator; else FORBIDDEN. */
export async function admit(
  deps: AdmissionDeps,
  ticket: string,
  sessionType: InteractiveSessionType,
): Promise<Admitted> {
  const target = deps.tickets.take(ticket);
  if (target?.sessionType !== sessionType)
    throw new ApiError(
      'FORBIDDEN',
      'This session link is not valid: it was used already, has expired, or was never issued. Open the session again.',
    );
  try {
    return { plugin: target.plugin, session: await deps.control.redeemSession(ticket) };
  } catch (err) {
    // The orchestrator's refusal (used, expired, job not running, no EDIT) says why.
    if (err instanceof OrchestratorCallError && err.trpcCode === 'FORBIDDEN')
      throw new ApiError('FORBIDDEN', err.message.replace(/^Orchestrator [^:]+: /, ''));
    throw err;
  }
}
