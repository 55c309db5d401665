import type {
  AppParameterValue,
  ApplicationParameter,
  ProductReference,
  ResolvedComputeSupport,
} from '@ucloud/contracts';
import { InvalidArgumentError } from 'commander';

/** A command line that names something the server does not have, or a value of the wrong kind. */
export class RunRequestError extends Error {
  override name = 'RunRequestError';
}

/** What run needs to know of an application's parameter. */
export type DeclaredParameter = Pick<ApplicationParameter, 'name' | 'type'>;

/** `APP` or `APP@VERSION`. */
export function parseAppRef(text: string): { name: string; version?: string } {
  const [name, version, ...rest] = text.split('@');
  if (!name || version === '' || rest.length > 0)
    throw new InvalidArgumentError('expected APP or APP@VERSION');
  return version === undefined ? { name } : { name, version };
}

/** `--product ID` or `--product ID@PROVIDER`. */
export function parseProductRef(text: string): { id: string; provider?: string } {
  const [id, provider, ...rest] = text.split('@');
  if (!id || provider === '' || rest.length > 0)
    throw new InvalidArgumentError('expected PRODUCT or PRODUCT@PROVIDER');
  return provider === undefined ? { id } : { id, provider };
}

/** `--param name=value`, collected into a list in the order given. */
export function collectParam(
  text: string,
  previous: Array<[string, string]> = [],
): Array<[string, string]> {
  const at = text.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('expected name=value');
  return [...previous, [text.slice(0, at), text.slice(at + 1)]];
}

/** The newest of an application's versions: numeric parts compared as numbers (1.10 > 1.9). */
export function newestVersion(versions: string[]): string | undefined {
  const compare = (a: string, b: string) =>
    a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' });
  return [...versions].sort(compare).at(-1);
}

const BOOLEANS: Readonly<Record<string, boolean>> = {
  true: true,
  yes: true,
  '1': true,
  false: false,
  no: false,
  '0': false,
};

/** A `--param` value as the API takes it for `param` (as the web interface's run form sends it). */
export function parameterValue(param: DeclaredParameter, raw: string): AppParameterValue {
  const wrong = (expected: string) =>
    new RunRequestError(`--param ${param.name}: expected ${expected}, got ${JSON.stringify(raw)}`);
  switch (param.type) {
    case 'text':
    case 'enumeration':
      return { type: 'text', value: raw };
    case 'textarea':
      return { type: 'textarea', value: raw };
    case 'integer': {
      if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw wrong('a whole number');
      return { type: 'integer', value: Number(raw) };
    }
    case 'floating_point': {
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value)) throw wrong('a number');
      return { type: 'floating_point', value };
    }
    case 'boolean': {
      const value = BOOLEANS[raw.toLowerCase()];
      if (value === undefined) throw wrong('true or false');
      return { type: 'boolean', value };
    }
    case 'input_file':
    case 'input_directory':
      return { type: 'file', path: raw, readOnly: false };
    case 'peer':
      return { type: 'peer', hostname: param.name, jobId: raw };
    case 'license_server':
      return { type: 'license_server', id: raw };
    default:
      throw new RunRequestError(
        `--param ${param.name}: ${param.type} parameters cannot be given on the command line`,
      );
  }
}

/** The `parameters` of a create request from `--param` assignments, checked against the application's. */
export function parametersOf(
  declared: DeclaredParameter[],
  assignments: Array<[string, string]>,
  application: string,
): Record<string, AppParameterValue> {
  const values: Record<string, AppParameterValue> = {};
  for (const [name, raw] of assignments) {
    const param = declared.find((p) => p.name === name);
    if (!param) {
      const known = declared.map((p) => p.name).join(', ') || 'none';
      throw new RunRequestError(
        `--param ${name}: ${application} has no parameter ${name} (it has: ${known})`,
      );
    }
    values[name] = parameterValue(param, raw);
  }
  return values;
}

/** The one product `--product` names among those the caller may use. */
export function pickProduct(
  available: ResolvedComputeSupport[],
  wanted: { id: string; provider?: string },
): ProductReference {
  const matches = available.filter(
    ({ product }) =>
      product.name === wanted.id &&
      (wanted.provider === undefined || product.category.provider === wanted.provider),
  );
  const names = (list: ResolvedComputeSupport[]) =>
    list.map(({ product }) => `${product.name}@${product.category.provider}`).join(', ') || 'none';
  const [match, ...more] = matches;
  if (!match)
    throw new RunRequestError(
      `--product: no product ${wanted.id}${wanted.provider ? `@${wanted.provider}` : ''} (available: ${names(available)})`,
    );
  if (more.length > 0)
    throw new RunRequestError(
      `--product: ${wanted.id} is offered by several providers: ${names(matches)}; say which as ${wanted.id}@PROVIDER`,
    );
  return {
    id: match.product.name,
    category: match.product.category.name,
    provider: match.product.category.provider,
  };
}
