import fc from 'fast-check';

/**
 * Hostile input for the fuzz test: values a careless or malicious client sends, and requests
 * built from them. Structure-aware where a route has a template (one field of a valid request
 * goes bad at a time, so validation deep inside is reached), raw bytes where not.
 */

/** JSON text that JSON.stringify cannot produce (1e309, lone surrogates, 10,000 levels). */
export class Raw {
  constructor(readonly text: string) {}
}

const deep = (levels: number, open: string, close: string, inner = '0') =>
  open.repeat(levels) + inner + close.repeat(levels);

const MEGABYTE_STRING = 'x'.repeat(1 << 20);

/** JSON with Raw fragments spliced in. */
export function toJson(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) =>
    v instanceof Raw ? `\u0000raw${raws.push(v.text) - 1}\u0000` : v,
  );
  return (text ?? 'null').replace(/"\\u0000raw(\d+)\\u0000"/g, (_m, i: string) => raws[+i]!);
}

const rawLeaf = fc.constantFrom(
  new Raw('1e309'),
  new Raw('-1e309'),
  new Raw('1e-400'),
  new Raw('123456789012345678901234567890'),
  new Raw('"\\ud800"'),
  new Raw('"a\\u0000b"'),
  new Raw(deep(10_000, '[', ']')),
  new Raw(deep(10_000, '{"a":', '}')),
  new Raw('NaN'),
);

/** Objects whose own keys reach for the prototype. */
const pollution = [
  JSON.parse('{"__proto__": {"admin": true, "kind": "provider"}}') as unknown,
  { constructor: { prototype: { admin: true } } },
];

const specialLeaf = fc.constantFrom<unknown>(
  1e308,
  -1e308,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  -1,
  0,
  0.5,
  5e-324,
  'NaN',
  'Infinity',
  '-1',
  '1e309',
  '0x1F',
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '../../../etc/passwd',
  "' OR 1=1 --",
  '1,'.repeat(40_000), // a list of ids longer than SQLite takes parameters
  '%',
  '__proto__',
  true,
  false,
  null,
  [],
  {},
  ...pollution,
);

export const hostileLeaf: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: specialLeaf, weight: 6 },
  { arbitrary: rawLeaf, weight: 2 },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.double(), weight: 1 },
  { arbitrary: fc.string(), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary' }), weight: 1 },
  { arbitrary: fc.constant(MEGABYTE_STRING), weight: 1 },
);

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileLeaf, weight: 6 },
  { arbitrary: fc.array(hostileLeaf, { maxLength: 5 }), weight: 1 },
  {
    arbitrary: fc.dictionary(fc.string({ maxLength: 10 }), hostileLeaf, { maxKeys: 4 }),
    weight: 1,
  },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 },
);

type Container = Record<string | number, unknown>;
const isContainer = (v: unknown): v is Container =>
  typeof v === 'object' && v !== null && !(v instanceof Raw);

type Path = Array<string | number>;

function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (!isContainer(value)) return [prefix];
  const entries = Object.entries(value);
  return [
    prefix,
    ...entries.flatMap(([k, v]) => pathsOf(v, [...prefix, Array.isArray(value) ? +k : k])),
  ];
}

interface Mutation {
  at: number;
  kind: 'replace' | 'add' | 'delete';
  key: string;
  value: unknown;
}

/** Sets an own property, `__proto__` included; on an array, appends (other keys are not JSON). */
function put(container: Container, key: string | number, value: unknown) {
  if (Array.isArray(container) && typeof key !== 'number') container.push(value);
  else
    Object.defineProperty(container, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
}

/** The template with one thing gone bad: a value replaced, a key added or a key removed. */
function mutate(template: unknown, m: Mutation): unknown {
  const paths = pathsOf(template);
  const path = paths[m.at % paths.length]!;
  if (path.length === 0 && m.kind !== 'add') return m.kind === 'replace' ? m.value : undefined;
  const copy = structuredClone(template);
  const at = (p: Path) => p.reduce((o, k) => (o as Container)[k], copy) as Container;
  if (m.kind === 'add') {
    const target = at(path);
    put(isContainer(target) ? target : at(path.slice(0, -1)), m.key, m.value);
    return copy;
  }
  const parent = at(path.slice(0, -1));
  const last = path.at(-1)!;
  if (m.kind === 'replace') put(parent, last, m.value);
  else if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else Reflect.deleteProperty(parent, last);
  return copy;
}

/** Bad versions of a valid input (and, now and then, something else entirely). */
export function hostileInput(template: unknown): fc.Arbitrary<unknown> {
  const mutation = fc.record({
    at: fc.nat(),
    kind: fc.constantFrom('replace', 'add', 'delete'),
    key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor')),
    value: hostileValue,
  }) as fc.Arbitrary<Mutation>;
  return fc.oneof(
    { arbitrary: mutation.map((m) => mutate(template, m)), weight: 8 },
    { arbitrary: hostileValue, weight: 2 },
  );
}

/** Whole bodies no JSON value serialises to. */
export const RAW_BODIES: Array<{ what: string; body: () => string | Uint8Array }> = [
  { what: 'truncated JSON', body: () => '{"items": [' },
  { what: 'not JSON', body: () => "{'items': nope}" },
  { what: 'invalid UTF-8', body: () => Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) },
  { what: 'a byte order mark', body: () => '\ufeff{"items": []}' },
  { what: '10,000 nested arrays', body: () => deep(10_000, '[', ']') },
  { what: '10,000 nested objects', body: () => deep(10_000, '{"items":', '}') },
  { what: 'a body over 16 MB', body: () => `{"items": ["${'x'.repeat(17 << 20)}"]}` },
];

export const CONTENT_TYPES = [
  'application/json',
  'content-type: application/json; charset=utf-8', // as the spec's curl examples send it
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  '',
];

/** Percent-encoding; a lone surrogate, which UTF-8 cannot carry, goes as the invalid bytes it would be. */
function encode(text: string): string {
  const lone = /([\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff])/;
  return text
    .split(lone)
    .map((part, i) => (i % 2 === 1 ? '%ED%A0%80' : encodeURIComponent(part)))
    .join('');
}

/** Query string of a value: objects give their keys, anything else a lone parameter. */
export function toQuery(input: unknown): string {
  const value = (v: unknown) =>
    v instanceof Raw
      ? v.text // unencoded on purpose: %FF and friends
      : encode(typeof v === 'string' ? v : toJson(v));
  if (typeof input !== 'object' || input === null || input instanceof Raw)
    return `?${value(input)}`;
  const pairs = Object.entries(input).flatMap(([k, v]) =>
    (Array.isArray(v) ? v : [v]).map((item) => `${encode(k)}=${value(item)}`),
  );
  return pairs.length ? `?${pairs.join('&')}` : '';
}

/** Header values fetch can carry (printable ASCII): a token or project id a client made up. */
export const hostileHeader = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) }),
  fc.constantFrom('Bearer ', 'Bearer', 'Basic dXNlcjp1c2Vy', 'Bearer ' + 'a'.repeat(8_000)),
);

/**
 * Requests that break URL decoding or routing whatever the route, and what fuzzing found once
 * (kept so that it stays fixed): each must be answered like any other.
 */
export const HOSTILE_REQUESTS: Array<{ method: string; path: string; body?: string }> = [
  { method: 'GET', path: '/api/jobs/%FF' },
  { method: 'GET', path: '/trpc/%E0%A4%A' },
  { method: 'GET', path: '/api/jobs/retrieve?id=%FF%FE&id=%00' },
  { method: 'GET', path: '/api/jobs/browse?itemsPerPage=1&itemsPerPage=2' },
  { method: 'GET', path: `/api/jobs/browse?filterIds=${'1,'.repeat(5_000)}` },
  { method: 'GET', path: `/trpc/${'jobs.retrieve,'.repeat(800)}jobs.retrieve?batch=1&input={}` },
  { method: 'GET', path: `/trpc/${'x'.repeat(10_001)}` },
  { method: 'GET', path: `/${'a'.repeat(20_000)}` },
  { method: 'GET', path: '//api//jobs' },
  { method: 'GET', path: '/api/jobs/../jobs/browse' },
  { method: 'GET', path: '/trpc/jobs.retrieve?batch=1&input={"0":{"id":"1"},"1":' },
  {
    method: 'GET',
    path: `/trpc/jobs.retrieve?input=${encodeURIComponent(deep(10_000, '[', ']'))}`,
  },
  {
    method: 'POST',
    path: '/api/jobs/search',
    body: JSON.stringify({ query: 'x', flags: { filterIds: '1,'.repeat(40_000) } }),
  },
  {
    method: 'POST',
    path: '/api/jobs/search',
    body: JSON.stringify({ query: 'x', flags: { filterProviderIds: 'a,'.repeat(40_000) } }),
  },
  { method: 'POST', path: '/trpc/jobs.create', body: `["${'x'.repeat(17 << 20)}"]` },
  {
    method: 'POST',
    path: '/api/jobs/terminate',
    body: `{${Array.from({ length: 200_000 }, (_, i) => `"k${i}":1`).join()}}`,
  },
  { method: 'GET', path: `/api/jobs/retrieve?id=${'9'.repeat(12_000)}` },
];
