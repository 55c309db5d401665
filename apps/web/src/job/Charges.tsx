import { useQuery } from '@tanstack/react-query';
import { ErrorMessage, Loading } from '../components';
import { formatAmount } from '../money';
import { useTRPC } from '../trpc';

/** What the job has been charged so far, in its category's unit. */
export function Charges({ jobId, live }: { jobId: string; live: boolean }) {
  const trpc = useTRPC();
  const usage = useQuery({
    ...trpc.accounting.retrieveJobUsage.queryOptions({ jobId }),
    refetchInterval: live ? 5000 : false,
  });
  const wallets = useQuery(trpc.accounting.browseWallets.queryOptions({ itemsPerPage: 250 }));
  if (usage.isPending) return <Loading what="the charges" />;
  if (usage.isError) return <ErrorMessage error={usage.error} doing="load the charges" />;
  const { category, totalCharged, periodsCharged } = usage.data;
  const unit = wallets.data?.items.find(
    (w) => w.paysFor.name === category.name && w.paysFor.provider === category.provider,
  )?.paysFor.accountingUnit;
  return (
    <section aria-labelledby="charges-title">
      <h2 id="charges-title">Charges</h2>
      <p>
        {periodsCharged === 0
          ? 'Nothing charged yet.'
          : `${unit ? formatAmount(totalCharged, unit) : totalCharged} for ${periodsCharged} period${periodsCharged === 1 ? '' : 's'} of ${category.name}.`}
      </p>
    </section>
  );
}
