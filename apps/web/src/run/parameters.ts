import type { ApplicationParameter, ParameterValue } from '../api';

/** What a field holds while the user edits it: text for inputs and selects, a flag for checkboxes. */
export type RawValue = string | boolean;

/** The field's starting value: the application's default, in whichever form the catalog gave it. */
export function initialValue(param: ApplicationParameter): RawValue {
  const raw: unknown = param.defaultValue;
  const bare =
    typeof raw === 'object' && raw !== null
      ? 'value' in raw
        ? raw.value
        : 'path' in raw
          ? raw.path
          : 'id' in raw
            ? raw.id
            : null
      : raw;
  if (param.type === 'boolean') return bare === true;
  return typeof bare === 'string' || typeof bare === 'number' ? String(bare) : '';
}

/**
 * The value the API takes for a field, or undefined to leave the parameter out (the API then uses
 * the default or says that a value is required). Numbers are sent as typed: a bad one is the
 * API's to refuse, in its words.
 */
export function toParameterValue(
  param: ApplicationParameter,
  raw: RawValue | undefined,
): ParameterValue | undefined {
  if (typeof raw === 'boolean') return { type: 'boolean', value: raw };
  if (raw === undefined || raw === '') return undefined;
  switch (param.type) {
    case 'text':
    case 'enumeration':
      return { type: 'text', value: raw };
    case 'textarea':
      return { type: 'textarea', value: raw };
    case 'integer':
      return { type: 'integer', value: Number(raw) };
    case 'floating_point':
      return { type: 'floating_point', value: Number(raw) };
    case 'input_file':
    case 'input_directory':
      return { type: 'file', path: raw };
    case 'peer':
      return { type: 'peer', hostname: param.name, jobId: raw };
    case 'license_server':
      return { type: 'license_server', id: raw };
    default:
      return undefined;
  }
}
