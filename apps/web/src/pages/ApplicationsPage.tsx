import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { Empty, ErrorMessage, Loading } from '../components';
import { useTRPC } from '../trpc';

export function ApplicationsPage() {
  const trpc = useTRPC();
  const [params, setParams] = useSearchParams();
  const search = params.get('q') ?? '';
  const apps = useQuery(trpc.catalog.listApplications.queryOptions({ itemsPerPage: 250 }));
  const needle = search.trim().toLowerCase();
  const shown = apps.data?.items.filter(({ metadata: m }) =>
    [m.name, m.title, m.description].some((text) => text.toLowerCase().includes(needle)),
  );

  return (
    <>
      <h1>Applications</h1>
      <label className="search">
        Search applications{' '}
        <input
          type="search"
          value={search}
          onChange={(e) =>
            setParams(e.target.value ? { q: e.target.value } : {}, { replace: true })
          }
        />
      </label>
      {apps.isPending && <Loading what="the applications" />}
      {apps.isError && <ErrorMessage error={apps.error} doing="load the applications" />}
      {shown?.length === 0 && (
        <Empty>{needle ? `No application matches “${search}”.` : 'No applications yet.'}</Empty>
      )}
      <ul className="cards">
        {shown?.map(({ metadata: m }) => (
          <li key={`${m.name}@${m.version}`} className="card">
            <h2>
              <Link
                to={`/applications/${encodeURIComponent(m.name)}/${encodeURIComponent(m.version)}`}
              >
                {m.title || m.name}
              </Link>
            </h2>
            <p className="muted">
              {m.name} {m.version}
            </p>
            <p>{m.description}</p>
          </li>
        ))}
      </ul>
    </>
  );
}
