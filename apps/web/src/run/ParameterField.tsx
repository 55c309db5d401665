import { useQuery } from '@tanstack/react-query';
import type { ApplicationParameter } from '../api';
import { useTRPC } from '../trpc';
import type { RawValue } from './parameters';

interface Props {
  param: ApplicationParameter;
  value: RawValue | undefined;
  error: string | undefined;
  onChange: (value: RawValue) => void;
}

/** One parameter of the application as a labelled field, with its description and the API's refusal. */
export function ParameterField({ param, value, error, onChange }: Props) {
  const id = `param-${param.name}`;
  const describedBy = `${id}-help ${id}-error`;
  const common = {
    id,
    name: param.name,
    'aria-invalid': error !== undefined,
    'aria-describedby': describedBy,
  };
  const text = typeof value === 'string' ? value : '';
  return (
    <div className={`field${error ? ' invalid' : ''}`} data-field={`parameters.${param.name}`}>
      {param.type === 'boolean' ? (
        <label htmlFor={id} className="check">
          <input
            {...common}
            type="checkbox"
            checked={value === true}
            onChange={(e) => onChange(e.target.checked)}
          />{' '}
          {param.title || param.name}
        </label>
      ) : (
        <>
          <label htmlFor={id}>
            {param.title || param.name}
            {param.optional ? <span className="muted"> (optional)</span> : null}
          </label>
          <Input param={param} common={common} value={text} onChange={onChange} />
        </>
      )}
      <p id={`${id}-help`} className="hint">
        {param.description}
      </p>
      {error && (
        <p id={`${id}-error`} className="error field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

interface InputProps {
  param: ApplicationParameter;
  common: Record<string, unknown>;
  value: string;
  onChange: (value: string) => void;
}

function Input({ param, common, value, onChange }: InputProps) {
  const change = (e: { target: { value: string } }) => onChange(e.target.value);
  switch (param.type) {
    case 'integer':
    case 'floating_point':
      return (
        <span className="with-unit">
          <input
            {...common}
            type="number"
            inputMode={param.type === 'integer' ? 'numeric' : 'decimal'}
            min={param.min ?? undefined}
            max={param.max ?? undefined}
            step={param.step ?? (param.type === 'integer' ? 1 : 'any')}
            value={value}
            onChange={change}
          />
          {param.unitName && <span>{param.unitName}</span>}
        </span>
      );
    case 'textarea':
      return <textarea {...common} rows={4} value={value} onChange={change} />;
    case 'enumeration':
      return (
        <select {...common} value={value} onChange={change}>
          <option value="">Choose…</option>
          {param.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.name}
            </option>
          ))}
        </select>
      );
    case 'peer':
      return <PeerSelect common={common} value={value} onChange={onChange} />;
    case 'license_server':
      return <LicenseSelect common={common} value={value} onChange={onChange} />;
    case 'ingress':
    case 'network_ip':
      return <input {...common} disabled value="Not offered by this deployment" />;
    case 'input_file':
    case 'input_directory':
      return (
        <input
          {...common}
          type="text"
          placeholder="/path/on/the/provider"
          value={value}
          onChange={change}
        />
      );
    default:
      return <input {...common} type="text" value={value} onChange={change} />;
  }
}

/** A running job of the caller's to connect to. */
function PeerSelect({ common, value, onChange }: Omit<InputProps, 'param'>) {
  const trpc = useTRPC();
  const jobs = useQuery(
    trpc.jobs.browse.queryOptions({ filterState: 'RUNNING', itemsPerPage: 100 }),
  );
  return (
    <select {...common} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{jobs.isPending ? 'Loading running jobs…' : 'Choose a running job…'}</option>
      {jobs.data?.items.map((job) => (
        <option key={job.id} value={job.id}>
          Job {job.id}: {job.specification.name ?? job.specification.application.name}
        </option>
      ))}
    </select>
  );
}

/** An activated license of the workspace. */
function LicenseSelect({ common, value, onChange }: Omit<InputProps, 'param'>) {
  const trpc = useTRPC();
  const licenses = useQuery(trpc.licenses.browse.queryOptions({ itemsPerPage: 250 }));
  return (
    <select {...common} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{licenses.isPending ? 'Loading licenses…' : 'Choose a license…'}</option>
      {licenses.data?.items.map((l) => (
        <option key={l.id} value={l.id}>
          {l.specification.product.id} ({l.id})
        </option>
      ))}
    </select>
  );
}
