import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { isFinal } from '../api';
import { ErrorMessage, Loading, StateBadge } from '../components';
import { statusOf } from '../errors';
import { Actions } from '../job/Actions';
import { capabilitiesOf } from '../job/capabilities';
import { Charges } from '../job/Charges';
import { Interactive } from '../job/Interactive';
import { Output } from '../job/Output';
import { Sharing } from '../job/Sharing';
import { Timeline } from '../job/Timeline';
import { useFollow } from '../job/useFollow';
import { Time } from '../time';
import { useTRPC } from '../trpc';

export function JobPage() {
  const trpc = useTRPC();
  const { id = '' } = useParams();
  const job = useQuery(
    trpc.jobs.retrieve.queryOptions({
      id,
      includeUpdates: true,
      includeSupport: true,
      includeApplication: true,
      includeProduct: true,
      includeOthers: true,
    }),
  );
  const follow = useFollow(id);

  if (job.isPending) return <Loading what={`job ${id}`} />;
  if (job.isError)
    return statusOf(job.error) === 404 ? (
      <p className="error" role="alert">
        There is no job {id} that you can see. <Link to="/jobs">Back to your jobs</Link>
      </p>
    ) : (
      <ErrorMessage error={job.error} doing={`load job ${id}`} />
    );

  const data = job.data;
  // The follow stream knows a new state before the job is fetched again.
  const state = follow.state ?? data.status.state;
  const shown = { ...data, status: { ...data.status, state } };
  const can = capabilitiesOf(shown);
  const spec = data.specification;
  return (
    <>
      <header className="job-header" aria-live="polite">
        <h1>
          Job <span data-testid="job-id">{data.id}</span>
          {spec.name ? ` · ${spec.name}` : ''}
        </h1>
        <span data-testid="job-state">
          <StateBadge state={state} />
        </span>
        <span className="muted">
          {isFinal(state)
            ? 'Ended'
            : follow.status === 'pending'
              ? 'Live'
              : follow.status === 'connecting'
                ? 'Connecting…'
                : follow.error
                  ? 'Live updates stopped'
                  : ''}
        </span>
      </header>
      <p className="muted">
        {spec.application.name} {spec.application.version} on {spec.product.id} (
        {spec.product.provider}), {spec.replicas} node{spec.replicas === 1 ? '' : 's'}, created{' '}
        <Time at={data.createdAt} /> by {data.owner.createdBy}
      </p>
      {follow.error && <ErrorMessage error={follow.error} doing="follow the job" />}
      <div className="job-grid">
        <div>
          <Output output={follow.output} replicas={spec.replicas} />
          <Interactive job={shown} can={can} />
        </div>
        <div>
          <Actions job={shown} can={can} />
          <Timeline updates={data.updates} />
          <Charges jobId={data.id} live={!isFinal(state)} />
          {can.isOwner && <Sharing job={data} />}
        </div>
      </div>
    </>
  );
}
