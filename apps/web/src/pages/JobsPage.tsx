import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { JOB_STATES } from '../api';
import { Empty, ErrorMessage, Loading, StateBadge } from '../components';
import { Time } from '../time';
import { useTRPC } from '../trpc';

const PAGE_SIZE = 25;

export function JobsPage() {
  const trpc = useTRPC();
  const [params, setParams] = useSearchParams();
  const state = params.get('state');
  const application = params.get('application') ?? '';
  const next = params.get('next');
  const apps = useQuery(trpc.catalog.listApplications.queryOptions({ itemsPerPage: 250 }));
  const jobs = useQuery({
    ...trpc.jobs.browse.queryOptions({
      itemsPerPage: PAGE_SIZE,
      next,
      filterState: JOB_STATES.find((s) => s === state) ?? null,
      filterApplication: application || null,
      sortDirection: 'descending',
    }),
    // States change live: the list is asked again every two seconds while it is shown.
    refetchInterval: 2000,
  });
  const setFilter = (key: string, value: string) =>
    setParams(
      (old) => {
        const updated = new URLSearchParams(old);
        if (value) updated.set(key, value);
        else updated.delete(key);
        updated.delete('next');
        return updated;
      },
      { replace: true },
    );

  return (
    <>
      <h1>Jobs</h1>
      <div className="filters">
        <label>
          State{' '}
          <select value={state ?? ''} onChange={(e) => setFilter('state', e.target.value)}>
            <option value="">Any state</option>
            {JOB_STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Application{' '}
          <select value={application} onChange={(e) => setFilter('application', e.target.value)}>
            <option value="">Any application</option>
            {apps.data?.items.map(({ metadata: m }) => (
              <option key={`${m.name}@${m.version}`} value={m.name}>
                {m.title || m.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {jobs.isPending && <Loading what="your jobs" />}
      {jobs.isError && <ErrorMessage error={jobs.error} doing="load your jobs" />}
      {jobs.data?.items.length === 0 && (
        <Empty>
          {state || application ? 'No job matches these filters.' : 'You have no jobs yet. '}
          {!state && !application && <Link to="/applications">Run an application.</Link>}
        </Empty>
      )}
      {jobs.data && jobs.data.items.length > 0 && (
        <table className="jobs">
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Application</th>
              <th scope="col">State</th>
              <th scope="col">Created</th>
              <th scope="col">By</th>
            </tr>
          </thead>
          <tbody>
            {jobs.data.items.map((job) => (
              <tr key={job.id} data-job={job.id}>
                <td>
                  <Link to={`/jobs/${job.id}`}>
                    {job.id}
                    {job.specification.name ? ` · ${job.specification.name}` : ''}
                  </Link>
                </td>
                <td>{job.specification.application.name}</td>
                <td>
                  <StateBadge state={job.status.state} />
                </td>
                <td>
                  <Time at={job.createdAt} />
                </td>
                <td>{job.owner.createdBy}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav className="paging" aria-label="Pages">
        {next && (
          <button type="button" onClick={() => setFilter('next', '')}>
            First page
          </button>
        )}
        {jobs.data?.next && (
          <button type="button" onClick={() => setParams((old) => withNext(old, jobs.data.next))}>
            Next page
          </button>
        )}
      </nav>
    </>
  );
}

function withNext(params: URLSearchParams, next: string | null) {
  const updated = new URLSearchParams(params);
  if (next) updated.set('next', next);
  return updated;
}
