import {
  AppParameterValue,
  type AppParameterValueType,
  type Application,
  type ApplicationParameter,
  type InvocationParameter,
} from './applications.js';
import { badRequest } from './errors.js';

/** A job's command line and environment, rendered from its application and parameters. */
export interface RenderedInvocation {
  argv: string[];
  environment: Record<string, string>;
}

export interface RenderOptions {
  /**
   * Environment the job starts with (e.g. UCLOUD_OPEN_WITH_FILE). The application's own
   * `environment` entries are added on top; `env` invocation parameters read from the result.
   */
  environment?: Record<string, string>;
}

/** Which value types each parameter type accepts. Enumerations take a text value (UCloud's wire form). */
const ACCEPTED_VALUE_TYPES: Record<ApplicationParameter['type'], readonly AppParameterValueType[]> =
  {
    input_file: ['file'],
    input_directory: ['file'],
    text: ['text', 'textarea'],
    textarea: ['textarea', 'text'],
    integer: ['integer'],
    floating_point: ['floating_point', 'integer'],
    boolean: ['boolean'],
    enumeration: ['text'],
    peer: ['peer'],
    license_server: ['license_server'],
    ingress: ['ingress'],
    network_ip: ['network'],
  };

/** Value types that can be attached to a job as `resources` (the spec's list). */
const RESOURCE_TYPES: readonly AppParameterValueType[] = [
  'file',
  'peer',
  'network',
  'block_storage',
  'ingress',
];

/**
 * Checks a job's parameters and resources against its application and throws BAD_REQUEST naming
 * the offending parameter: unknown names, values of the wrong type, missing required values,
 * numbers outside min/max and enumeration values that are not among the options.
 */
export function validateParameters(
  app: Application,
  parameters: Record<string, AppParameterValue> | null | undefined,
  resources: readonly AppParameterValue[] | null | undefined,
): void {
  const declared = new Map(app.invocation.parameters.map((p) => [p.name, p]));
  const given = parameters ?? {};

  for (const name of Object.keys(given)) {
    if (!declared.has(name)) {
      const known = [...declared.keys()].join(', ') || 'none';
      throw badRequest(
        `parameters.${name}: unknown parameter (${app.metadata.name} has: ${known})`,
      );
    }
  }

  for (const param of declared.values()) {
    const value = given[param.name];
    if (value === undefined) {
      if (!param.optional && defaultOf(param) === null) {
        throw badRequest(`parameters.${param.name}: a value is required`);
      }
      continue;
    }
    checkFits(param, value);
    checkRange(param, value);
  }

  (resources ?? []).forEach((resource, i) => {
    if (!RESOURCE_TYPES.includes(resource.type)) {
      throw badRequest(
        `resources[${i}]: a ${resource.type} cannot be attached as a resource (allowed: ${RESOURCE_TYPES.join(', ')})`,
      );
    }
  });
}

/**
 * Renders the application's invocation template with UCloud's semantics: `word` is itself; `var`
 * renders every named parameter that has a value (prefix/suffix per variable, the group wrapped
 * in the global prefix/suffix, nothing at all when none has a value); `bool_flag` is the flag when
 * the boolean is true; `env` is the value of an environment variable of the job. Optional
 * parameters without a value fall back to their default or are left out.
 */
export function renderInvocation(
  app: Application,
  parameters: Record<string, AppParameterValue> | null | undefined,
  options: RenderOptions = {},
): RenderedInvocation {
  const values = new Map<string, { param: ApplicationParameter; value: AppParameterValue }>();
  for (const param of app.invocation.parameters) {
    const value = parameters?.[param.name] ?? defaultOf(param);
    if (value) values.set(param.name, { param, value });
  }

  const environment: Record<string, string> = { ...options.environment };
  // App environment entries see only the base environment, so their order does not matter.
  const baseEnvironment = { ...environment };
  for (const [name, template] of Object.entries(app.invocation.environment ?? {})) {
    const words = renderPart(template, values, baseEnvironment);
    if (words.length > 0) environment[name] = words.join(' ');
  }

  const argv = app.invocation.invocation.flatMap((part) => renderPart(part, values, environment));
  return { argv, environment };
}

type ValueMap = ReadonlyMap<string, { param: ApplicationParameter; value: AppParameterValue }>;

function renderPart(
  part: InvocationParameter,
  values: ValueMap,
  environment: Readonly<Record<string, string>>,
): string[] {
  switch (part.type) {
    case 'word':
      return [part.word];
    case 'env': {
      const value = environment[part.variable];
      return value === undefined ? [] : [value];
    }
    case 'bool_flag': {
      const entry = values.get(part.variableName);
      return entry?.value.type === 'boolean' && entry.value.value ? [part.flag] : [];
    }
    case 'var':
      return renderVariables(part, values);
  }
}

function renderVariables(
  part: Extract<InvocationParameter, { type: 'var' }>,
  values: ValueMap,
): string[] {
  const rendered = part.variableNames.flatMap((name) => {
    const entry = values.get(name);
    return entry ? [renderValue(entry.param, entry.value)] : [];
  });
  if (rendered.length === 0) return [];

  // A prefix or suffix glued to the value keeps its spacing; standing alone it is one trimmed word.
  const standalone = (s: string) => (s.trim() ? [s.trim()] : []);
  const args = standalone(part.prefixGlobal);
  for (const value of rendered) {
    if (!part.isPrefixVariablePartOfArg) args.push(...standalone(part.prefixVariable));
    args.push(
      (part.isPrefixVariablePartOfArg ? part.prefixVariable : '') +
        value +
        (part.isSuffixVariablePartOfArg ? part.suffixVariable : ''),
    );
    if (!part.isSuffixVariablePartOfArg) args.push(...standalone(part.suffixVariable));
  }
  args.push(...standalone(part.suffixGlobal));
  return args;
}

/** How a value appears on the command line for a parameter of the given type. */
function renderValue(param: ApplicationParameter, value: AppParameterValue): string {
  checkFits(param, value);
  switch (value.type) {
    case 'text':
    case 'textarea':
    case 'integer':
    case 'floating_point':
      return String(value.value);
    case 'boolean':
      if (param.type !== 'boolean') throw mismatch(param, value);
      return value.value ? param.trueValue : param.falseValue;
    case 'file':
      return value.path;
    case 'peer':
      return value.hostname;
    case 'license_server':
    case 'network':
    case 'block_storage':
    case 'ingress':
      return value.id;
  }
}

function checkFits(param: ApplicationParameter, value: AppParameterValue): void {
  if (!ACCEPTED_VALUE_TYPES[param.type].includes(value.type)) throw mismatch(param, value);
}

function mismatch(param: ApplicationParameter, value: AppParameterValue) {
  return badRequest(
    `parameters.${param.name}: expected a value of type ${ACCEPTED_VALUE_TYPES[param.type].join(' or ')}, got ${value.type}`,
  );
}

function checkRange(param: ApplicationParameter, value: AppParameterValue): void {
  if (param.type === 'integer' || param.type === 'floating_point') {
    if (value.type !== 'integer' && value.type !== 'floating_point') return;
    if (param.min !== null && value.value < param.min) {
      throw badRequest(`parameters.${param.name}: must be at least ${param.min}`);
    }
    if (param.max !== null && value.value > param.max) {
      throw badRequest(`parameters.${param.name}: must be at most ${param.max}`);
    }
  }
  if (param.type === 'enumeration' && value.type === 'text') {
    if (!param.options.some((o) => o.value === value.value)) {
      const options = param.options.map((o) => o.value).join(', ');
      throw badRequest(
        `parameters.${param.name}: ${JSON.stringify(value.value)} is not one of: ${options}`,
      );
    }
  }
}

/**
 * A parameter's default as a value, or null when it has none. Applications give defaults either
 * as an AppParameterValue (`{ "type": "text", "value": "x" }`), as a bare `{ "value": … }` or as
 * the raw value itself (`"x"`, `10`, `true`).
 */
function defaultOf(param: ApplicationParameter): AppParameterValue | null {
  const raw: unknown = param.defaultValue;
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'object' && 'type' in raw) {
    const parsed = AppParameterValue.safeParse(raw);
    if (!parsed.success) {
      throw badRequest(`parameters.${param.name}: the application's default value is malformed`);
    }
    return parsed.data;
  }
  const bare = typeof raw === 'object' && 'value' in raw ? raw.value : raw;
  const value = fromRaw(param, bare);
  if (!value) {
    throw badRequest(
      `parameters.${param.name}: the application's default value ${JSON.stringify(bare)} does not fit a ${param.type} parameter`,
    );
  }
  return value;
}

function fromRaw(param: ApplicationParameter, raw: unknown): AppParameterValue | null {
  switch (param.type) {
    case 'text':
    case 'textarea':
    case 'enumeration':
      return typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean'
        ? { type: param.type === 'textarea' ? 'textarea' : 'text', value: String(raw) }
        : null;
    case 'integer':
      return typeof raw === 'number' && Number.isInteger(raw)
        ? { type: 'integer', value: raw }
        : null;
    case 'floating_point':
      return typeof raw === 'number' ? { type: 'floating_point', value: raw } : null;
    case 'boolean':
      return typeof raw === 'boolean' ? { type: 'boolean', value: raw } : null;
    case 'input_file':
    case 'input_directory':
      return typeof raw === 'string' && raw !== ''
        ? { type: 'file', path: raw, readOnly: false }
        : null;
    case 'peer':
    case 'license_server':
    case 'ingress':
    case 'network_ip':
      return null;
  }
}
