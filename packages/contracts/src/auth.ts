import type { ProjectRole } from './projects.js';

/**
 * Who is calling. Users call the Jobs face, in their personal workspace or, when the request
 * names one (the `Project` header), in a project; providers (gateways) call JobsControl.
 * `role` is the user's role in `project`, looked up once when the caller is authenticated; a
 * request naming a project its user is not a member of is refused (404) before any service sees
 * it, so services find a role whenever `project` is set. `admin` and `operator` are the user's
 * site-wide roles (accounts.ts).
 */
export type Actor =
  | {
      kind: 'user';
      username: string;
      admin: boolean;
      operator: boolean;
      project: string | null;
      role: ProjectRole | null;
    }
  | { kind: 'provider'; providerId: string };

/**
 * Administrators and operators read every wallet, job, project and job usage, whoever owns them;
 * only administrators change what is not theirs, and operators change nothing (router.ts).
 */
export const readsEverything = (user: { admin: boolean; operator: boolean }) =>
  user.admin || user.operator;
