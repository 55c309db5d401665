import type { Job } from '../api';
import { StateBadge } from '../components';
import { Time } from '../time';

/** The job's updates in order: its states and the provider's words. */
export function Timeline({ updates }: { updates: Job['updates'] }) {
  return (
    <section aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      <ol className="timeline">
        {updates.map((u, i) => (
          <li key={i}>
            {u.state ? <StateBadge state={u.state} /> : <span className="muted">Update</span>}{' '}
            {u.timestamp !== null && <Time at={u.timestamp} />}
            {u.status && <p>{u.status}</p>}
          </li>
        ))}
      </ol>
    </section>
  );
}
