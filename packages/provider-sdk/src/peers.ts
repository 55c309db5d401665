import { z } from 'zod';
import { InvalidArgumentError } from './errors.js';

/** Another job this one connects to ("Connect to Job"), reached by `hostname`. */
export interface Peer {
  hostname: string;
  jobId: string;
}

const PeerValue = z.object({ type: z.literal('peer'), hostname: z.string(), jobId: z.string() });
const JobWithPeers = z.object({
  specification: z.object({
    parameters: z.record(z.string(), z.unknown()).nullish(),
    resources: z.array(z.unknown()).nullish(),
  }),
});

/** A DNS label: what a peer's hostname must be to be resolvable inside a job. */
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * The peers of a job (CreateJobSpec.jobJson, empty when the caller sent no job): `peer` values
 * among its resources and its parameters, as the spec allows both. A hostname that is no DNS
 * label is refused.
 */
export function peersOf(jobJson: string): Peer[] {
  if (jobJson === '') return [];
  const parsed = JobWithPeers.safeParse(JSON.parse(jobJson));
  if (!parsed.success) return [];
  const { parameters, resources } = parsed.data.specification;
  const values = [...Object.values(parameters ?? {}), ...(resources ?? [])];
  const peers = values.flatMap((v) => {
    const peer = PeerValue.safeParse(v);
    return peer.success ? [{ hostname: peer.data.hostname, jobId: peer.data.jobId }] : [];
  });
  for (const peer of peers) {
    if (!HOSTNAME.test(peer.hostname)) {
      throw new InvalidArgumentError(
        `The peer hostname ${JSON.stringify(peer.hostname)} is not a valid host name ` +
          '(letters, digits and inner hyphens, at most 63)',
      );
    }
  }
  return peers;
}
