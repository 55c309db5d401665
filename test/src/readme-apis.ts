import { appRouter } from '@ucloud/contracts';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One row of README.md's "The APIs" table. */
export interface ApiRow {
  face: string;
  how: string;
  /** The last column as written. */
  text: string;
  /** Its backquoted entries. */
  entries: string[];
}

export interface RestRoute {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  path: string;
}

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

const quoted = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

/** The rows of the table under "## The APIs", the contract the tests hold the servers to. */
export function apiTable(readme = readFileSync(README, 'utf8')): ApiRow[] {
  const section = readme.split(/^## The APIs$/m)[1]?.split(/^#/m)[0];
  if (!section) throw new Error('README.md has no "## The APIs" section');
  const rows = section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2) // header and separator
    .map((line) => line.split('|').slice(1, -1));
  return rows.map(([face = '', how = '', text = '']) => ({
    face: face.trim(),
    how: how.trim(),
    text: text.trim(),
    entries: quoted(text),
  }));
}

/** REST routes the orchestrator serves (`GET /api/jobs/retrieveUtilization?jobId=…` → its path). */
export function orchestratorRestRoutes(rows = apiTable()): RestRoute[] {
  return rows
    .filter((row) => /REST/.test(row.how) && !/gateway/.test(row.how))
    .flatMap((row) => row.entries)
    .map((entry) => /^(GET|POST|DELETE|PUT) (\/[^?\s]*)/.exec(entry))
    .filter((m) => m !== null)
    .map((m) => ({ method: m[1] as RestRoute['method'], path: m[2]! }));
}

/** tRPC procedures as written: full names (`jobs.create`) and whole routers (`catalog.*`). */
export function trpcProcedures(rows = apiTable()): string[] {
  return rows
    .filter((row) => /tRPC/.test(row.how))
    .flatMap((row) => [...quoted(row.how), ...row.entries])
    .filter((name) => /^[a-z]+\.(\*|[a-zA-Z]+)$/.test(name));
}

/**
 * The gateway's JobsProvider routes: the row names `/ucloud/<provider>/jobs…` and the calls in
 * parentheses; create is the base path, retrieveProducts the one GET.
 */
export function gatewayRestRoutes(provider: string, rows = apiTable()): RestRoute[] {
  const row = rows.find((r) => /REST on the gateway/.test(r.how));
  if (!row) throw new Error('README.md lists no gateway REST face');
  const base = row.entries[0]!.replace('<provider>', provider).replace('…', '');
  const calls = /\(([^)]+)\)$/.exec(row.text)?.[1] ?? '';
  return calls
    .split(',')
    .map((c) => c.trim().split(' ')[0]!)
    .map((call) => ({
      method: call === 'retrieveProducts' ? 'GET' : 'POST',
      path: call === 'create' ? base : `${base}/${call}`,
    }));
}

export type ProcedureType = 'query' | 'mutation' | 'subscription';

/** Every procedure the tRPC router serves, by full name, with how it is called. */
export function routerProcedures(): Array<{ name: string; type: ProcedureType }> {
  const procedures = appRouter._def.procedures as unknown as Record<
    string,
    { _def: { type: ProcedureType } }
  >;
  return Object.entries(procedures).map(([name, p]) => ({ name, type: p._def.type }));
}
