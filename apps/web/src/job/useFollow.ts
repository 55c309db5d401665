import { useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useState } from 'react';
import type { JobState } from '../api';
import { useTRPC } from '../trpc';

export interface RankOutput {
  stdout: string;
  stderr: string;
}

/**
 * Follows a job live: its output per rank, and its state. Each new update refreshes the job (its
 * timeline, deadline, what may be done with it). The subscription reconnects by itself with the
 * last event id, and the orchestrator resumes from there: nothing is missed or shown twice.
 */
export function useFollow(jobId: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [output, setOutput] = useState<Map<number, RankOutput>>(new Map());
  const [state, setState] = useState<JobState | null>(null);
  const subscription = useSubscription(
    trpc.jobs.follow.subscriptionOptions(
      { id: jobId },
      {
        onData: ({ data }) => {
          if (data.log.length > 0)
            setOutput((old) => {
              const updated = new Map(old);
              for (const { rank, stdout, stderr } of data.log) {
                const before = updated.get(rank) ?? { stdout: '', stderr: '' };
                updated.set(rank, {
                  stdout: before.stdout + (stdout ?? ''),
                  stderr: before.stderr + (stderr ?? ''),
                });
              }
              return updated;
            });
          if (data.newStatus) setState(data.newStatus.state);
          if (data.updates.length > 0)
            void queryClient.invalidateQueries({ queryKey: trpc.jobs.retrieve.queryKey() });
        },
      },
    ),
  );
  return { output, state, status: subscription.status, error: subscription.error };
}
