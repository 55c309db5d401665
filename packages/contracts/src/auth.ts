/** Who is calling. Users call the Jobs face; providers (gateways) call JobsControl. */
export type Actor =
  { kind: 'user'; username: string; admin: boolean } | { kind: 'provider'; providerId: string };
