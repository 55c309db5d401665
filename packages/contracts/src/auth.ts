/**
 * Who is calling. Users call the Jobs face, in their personal workspace or, when the request
 * names one (the `Project` header), in a project; providers (gateways) call JobsControl.
 */
export type Actor =
  | { kind: 'user'; username: string; admin: boolean; project: string | null }
  | { kind: 'provider'; providerId: string };
