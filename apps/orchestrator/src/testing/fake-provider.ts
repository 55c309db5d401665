import {
  ApiError,
  type InteractiveSessionType,
  type Job,
  type JobsRetrieveUtilizationResponse,
  type OpenSession,
  type ProviderLogChunk,
  type ProviderLogOffset,
  type SimpleDuration,
} from '@ucloud/contracts';
import type { ProviderCalls } from '../jobs/ports.js';

/**
 * A fake provider for in-process tests of the Jobs service: it records each call and answers
 * from what the test set, or throws `refuse` (an ApiError, as a real provider's refusal arrives).
 */
export class FakeProvider implements ProviderCalls {
  readonly origin = 'http://provider.test';
  readonly calls: Array<{ call: string; jobIds: string[] }> = [];
  refuse: Error | null = null;
  /** The session tickets it was given, in order. */
  readonly tickets: string[] = [];
  /** Every job's whole output (rank 0, stdout); `logsDown` makes fetching it fail. */
  output = '';
  logsDown = false;

  private record(call: string, jobs: Job[]): void {
    this.calls.push({ call, jobIds: jobs.map((j) => j.id) });
    if (this.refuse) throw this.refuse;
  }

  async extend(items: Array<{ job: Job; requestedTime: SimpleDuration }>): Promise<void> {
    this.record(
      'extend',
      items.map((i) => i.job),
    );
  }

  async suspend(jobs: Job[]): Promise<void> {
    this.record('suspend', jobs);
  }

  async unsuspend(jobs: Job[]): Promise<void> {
    this.record('unsuspend', jobs);
  }

  async retrieveUtilization(): Promise<JobsRetrieveUtilizationResponse> {
    this.record('retrieveUtilization', []);
    return {
      capacity: { cpu: 8, memory: 16 },
      usedCapacity: { cpu: 1, memory: 2 },
      queueStatus: { running: 1, pending: 0 },
    };
  }

  async openInteractiveSession(
    items: Array<{ job: Job; rank: number; sessionType: InteractiveSessionType; ticket: string }>,
  ): Promise<OpenSession[]> {
    this.record(
      'openInteractiveSession',
      items.map((i) => i.job),
    );
    this.tickets.push(...items.map((i) => i.ticket));
    return items.map((i) => ({
      type: 'web' as const,
      jobId: i.job.id,
      rank: i.rank,
      redirectClientTo: 'http://provider.test/',
    }));
  }

  async init(): Promise<void> {
    this.record('init', []);
  }

  async *followLogs(_job: Job, offsets: ProviderLogOffset[]): AsyncIterable<ProviderLogChunk> {
    if (this.logsDown) throw new ApiError('SERVICE_UNAVAILABLE', 'provider example is unreachable');
    const from = offsets.find((o) => o.rank === 0 && o.stream === 'stdout')?.offset ?? 0;
    const rest = Buffer.from(this.output).subarray(from);
    if (rest.length > 0)
      yield { rank: 0, stream: 'stdout', offset: from, data: rest.toString('base64') };
  }
}
