import { useQuery } from '@tanstack/react-query';
import { NavLink, Outlet } from 'react-router';
import { useSession } from './session';
import { useTRPC } from './trpc';

export function Layout() {
  const { signOut } = useSession();
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">UCloud Jobs</span>
        <nav aria-label="Main">
          <NavLink to="/applications">Applications</NavLink>
          <NavLink to="/jobs">Jobs</NavLink>
          <NavLink to="/wallets">Wallets</NavLink>
        </nav>
        <ProjectSwitcher />
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main">
        <Outlet />
      </main>
    </>
  );
}

/** The workspace: personal, or one of the caller's projects (sent as the `Project` header). */
function ProjectSwitcher() {
  const trpc = useTRPC();
  const { project, switchProject } = useSession();
  const projects = useQuery(trpc.projects.browse.queryOptions({ itemsPerPage: 250 }));
  return (
    <label className="workspace">
      Workspace{' '}
      <select
        value={project ?? ''}
        onChange={(e) => switchProject(e.target.value === '' ? null : e.target.value)}
      >
        <option value="">My workspace</option>
        {projects.data?.items.map((p) => (
          <option key={p.id} value={p.id}>
            {p.status.path || p.specification.title}
          </option>
        ))}
      </select>
    </label>
  );
}
