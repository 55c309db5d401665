import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type SubmitEvent } from 'react';
import { useNavigate, useParams } from 'react-router';
import type { Application, JobSpecification, ResolvedSupport } from '../api';
import { ErrorMessage, Loading } from '../components';
import { fieldErrors } from '../errors';
import { ParameterField } from '../run/ParameterField';
import { initialValue, toParameterValue, type RawValue } from '../run/parameters';
import { productKey, ProductPicker } from '../run/ProductPicker';
import { useTRPC } from '../trpc';

export function RunPage() {
  const trpc = useTRPC();
  const { name = '', version = '' } = useParams();
  const app = useQuery(trpc.catalog.findApplication.queryOptions({ name, version }));
  if (app.isPending) return <Loading what="the application" />;
  if (app.isError) return <ErrorMessage error={app.error} doing="load the application" />;
  return <RunForm app={app.data} />;
}

function RunForm({ app }: { app: Application }) {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const tool = app.invocation.tool.tool?.description;
  const params = app.invocation.parameters;
  const [values, setValues] = useState<Record<string, RawValue>>(() =>
    Object.fromEntries(params.map((p) => [p.name, initialValue(p)])),
  );
  const [product, setProduct] = useState<ResolvedSupport | null>(null);
  const defaultTime = tool?.defaultTimeAllocation ?? { hours: 1, minutes: 0, seconds: 0 };
  const [hours, setHours] = useState(String(defaultTime.hours));
  const [minutes, setMinutes] = useState(String(defaultTime.minutes));
  const [replicas, setReplicas] = useState(String(tool?.defaultNumberOfNodes ?? 1));
  const [jobName, setJobName] = useState('');
  const create = useMutation(
    trpc.jobs.create.mutationOptions({
      onSuccess: ({ responses }) => {
        const id = responses[0]?.id;
        if (id) void navigate(`/jobs/${id}`);
      },
    }),
  );
  const errors = create.error ? fieldErrors(create.error.message) : {};

  function submit(e: SubmitEvent) {
    e.preventDefault();
    if (!product) return;
    const parameters: NonNullable<JobSpecification['parameters']> = {};
    for (const p of params) {
      const value = toParameterValue(p, values[p.name]);
      if (value) parameters[p.name] = value;
    }
    create.mutate({
      items: [
        {
          application: { name: app.metadata.name, version: app.metadata.version },
          product: {
            id: product.product.name,
            category: product.product.category.name,
            provider: product.product.category.provider,
          },
          name: jobName.trim() || null,
          parameters,
          timeAllocation: { hours: Number(hours), minutes: Number(minutes), seconds: 0 },
          replicas: Number(replicas),
        },
      ],
    });
  }

  return (
    <>
      <h1>Run {app.metadata.title || app.metadata.name}</h1>
      <p className="muted">
        {app.metadata.name} {app.metadata.version}. {app.metadata.description}
      </p>
      {/* noValidate: the API's own refusals are shown next to the fields, in its words. */}
      <form className="run" onSubmit={submit} noValidate>
        <div className="field" data-field="name">
          <label htmlFor="job-name">
            Job name <span className="muted">(optional)</span>
          </label>
          <input id="job-name" value={jobName} onChange={(e) => setJobName(e.target.value)} />
          {errors.name && <p className="error field-error">{errors.name}</p>}
        </div>
        {params.length > 0 && (
          <fieldset>
            <legend>Parameters</legend>
            {params.map((p) => (
              <ParameterField
                key={p.name}
                param={p}
                value={values[p.name]}
                error={errors[`parameters.${p.name}`]}
                onChange={(v) => setValues((old) => ({ ...old, [p.name]: v }))}
              />
            ))}
          </fieldset>
        )}
        <ProductPicker
          backend={tool?.backend ?? 'NATIVE'}
          selected={product && productKey(product)}
          error={errors.product}
          onSelect={setProduct}
        />
        <fieldset data-field="timeAllocation" className={errors.timeAllocation ? 'invalid' : ''}>
          <legend>Time allocation</legend>
          <label>
            Hours{' '}
            <input type="number" min={0} value={hours} onChange={(e) => setHours(e.target.value)} />
          </label>{' '}
          <label>
            Minutes{' '}
            <input
              type="number"
              min={0}
              max={59}
              value={minutes}
              onChange={(e) => setMinutes(e.target.value)}
            />
          </label>
          {errors.timeAllocation && (
            <p className="error field-error" role="alert">
              {errors.timeAllocation}
            </p>
          )}
        </fieldset>
        {app.invocation.allowMultiNode && (
          <div className={`field${errors.replicas ? ' invalid' : ''}`} data-field="replicas">
            <label htmlFor="replicas">Nodes (replicas)</label>
            <input
              id="replicas"
              type="number"
              min={1}
              value={replicas}
              onChange={(e) => setReplicas(e.target.value)}
            />
            {errors.replicas && (
              <p className="error field-error" role="alert">
                {errors.replicas}
              </p>
            )}
          </div>
        )}
        {errors.form && (
          <p className="error" role="alert">
            {errors.form}
          </p>
        )}
        <button type="submit" disabled={!product || create.isPending}>
          {create.isPending ? 'Submitting…' : product ? 'Run' : 'Choose a machine to run'}
        </button>
      </form>
    </>
  );
}
