import {
  ApiError,
  relayedErrorCode,
  ComputeSupport,
  JobsRetrieveUtilizationResponse,
  OpenSession,
  type InteractiveSessionType,
  type ResourceOwner,
  type SimpleDuration,
  ProviderLogChunk,
  providerRoutes,
  type Job,
  type ProviderLogOffset,
  errorMessage,
} from '@ucloud/contracts';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { fetch, type Dispatcher, type Response } from 'undici';
import { z } from 'zod';
import type { ProviderCalls } from '../jobs/ports.js';
import { DEFAULT_TUNING } from '../tuning.js';

/**
 * A call to a gateway failed. It carries what the failure means to the user who caused the call
 * (an ApiError code from the gateway's status); `retryable` is false when the gateway answered
 * that the request itself is wrong.
 */
export class GatewayError extends ApiError {
  constructor(
    message: string,
    readonly status: number | null,
    readonly retryable: boolean,
  ) {
    super(relayedErrorCode(status), message);
    this.name = 'GatewayError';
  }
}

export interface ProviderEndpoint {
  id: string;
  url: string;
  /** Read at each call: a token kept in a file may have been rotated. */
  token: () => string;
}

const CreateResponse = z.object({ responses: z.array(z.object({ id: z.string() }).nullable()) });
const SupportResponse = z.object({ responses: z.array(ComputeSupport) });
const SessionResponse = z.object({ responses: z.array(OpenSession) });

/** The orchestrator's side of the JobsProvider face of one provider's gateway. */
export class GatewayClient implements ProviderCalls {
  private readonly routes;

  constructor(
    readonly provider: ProviderEndpoint,
    private readonly timeoutMs = DEFAULT_TUNING.gatewayCallTimeoutMs,
    /** How to reach it: an Agent trusting GATEWAY_CA_FILE, or undefined for the system's CAs. */
    private readonly dispatcher?: Dispatcher,
  ) {
    this.routes = providerRoutes(provider.id);
  }

  /** Where clients of this provider's interactive sessions go. */
  get origin(): string {
    return new URL(this.provider.url).origin;
  }

  async create(jobs: Job[]): Promise<Array<string | null>> {
    const body = CreateResponse.parse(await this.call('POST', this.routes.create, { items: jobs }));
    return body.responses.map((r) => r?.id ?? null);
  }

  async terminate(jobs: Job[]): Promise<void> {
    await this.call('POST', this.routes.terminate, { items: jobs });
  }

  async extend(items: Array<{ job: Job; requestedTime: SimpleDuration }>): Promise<void> {
    await this.call('POST', this.routes.extend, { items });
  }

  async suspend(jobs: Job[]): Promise<void> {
    await this.call('POST', this.routes.suspend, { items: jobs.map((job) => ({ job })) });
  }

  async unsuspend(jobs: Job[]): Promise<void> {
    await this.call('POST', this.routes.unsuspend, { items: jobs.map((job) => ({ job })) });
  }

  async retrieveUtilization(
    jobId: string,
    categoryId: string,
  ): Promise<JobsRetrieveUtilizationResponse> {
    return JobsRetrieveUtilizationResponse.parse(
      await this.call('POST', this.routes.retrieveUtilization, { jobId, categoryId }),
    );
  }

  async openInteractiveSession(
    items: Array<{ job: Job; rank: number; sessionType: InteractiveSessionType; ticket: string }>,
  ): Promise<OpenSession[]> {
    return SessionResponse.parse(
      await this.call('POST', this.routes.openInteractiveSession, { items }),
    ).responses;
  }

  async init(principal: ResourceOwner): Promise<void> {
    await this.call('POST', this.routes.init, { principal });
  }

  async verify(jobs: Job[]): Promise<void> {
    await this.call('POST', this.routes.verify, { items: jobs });
  }

  async retrieveProducts(): Promise<ComputeSupport[]> {
    return SupportResponse.parse(await this.call('GET', this.routes.retrieveProducts)).responses;
  }

  /** Log chunks of a job from the given offsets; with `follow`, until the job has ended and all output is sent. */
  async *followLogs(
    job: Job,
    offsets: ProviderLogOffset[],
    follow: boolean,
    signal: AbortSignal,
  ): AsyncGenerator<ProviderLogChunk> {
    const response = await this.send('POST', this.routes.follow, { job, offsets, follow }, signal);
    if (!response.body) return;
    const lines = createInterface({
      input: Readable.fromWeb(response.body),
      crlfDelay: Infinity,
    });
    try {
      for await (const line of lines) {
        if (line.trim()) yield ProviderLogChunk.parse(JSON.parse(line));
      }
    } finally {
      lines.close();
    }
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const response = await this.send(method, path, body, AbortSignal.timeout(this.timeoutMs));
    const text = await response.text();
    return text ? JSON.parse(text) : {};
  }

  private async send(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal,
  ): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(this.provider.url + path, {
        method,
        headers: {
          authorization: `Bearer ${this.provider.token()}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        dispatcher: this.dispatcher,
      });
    } catch (e) {
      throw new GatewayError(
        `provider ${this.provider.id} is unreachable: ${errorMessage(e)}`,
        null,
        true,
      );
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      let why = text;
      try {
        why = (JSON.parse(text) as { why?: string }).why ?? text;
      } catch {
        // not JSON: keep the text
      }
      const retryable =
        response.status >= 500 || response.status === 429 || response.status === 408;
      throw new GatewayError(
        `provider ${this.provider.id} answered ${response.status}: ${why}`,
        response.status,
        retryable,
      );
    }
    return response;
  }
}
