import { useQuery } from '@tanstack/react-query';
import type { Wallet } from '../api';
import { Empty, ErrorMessage, Loading } from '../components';
import { formatAmount } from '../money';
import { useTRPC } from '../trpc';

export function WalletsPage() {
  const trpc = useTRPC();
  const wallets = useQuery(trpc.accounting.browseWallets.queryOptions({ itemsPerPage: 250 }));
  return (
    <>
      <h1>Wallets</h1>
      {wallets.isPending && <Loading what="your wallets" />}
      {wallets.isError && <ErrorMessage error={wallets.error} doing="load your wallets" />}
      {wallets.data?.items.length === 0 && <Empty>This workspace has no allocations.</Empty>}
      <ul className="cards">
        {wallets.data?.items.map((w) => (
          <WalletCard key={`${w.paysFor.provider}/${w.paysFor.name}`} wallet={w} />
        ))}
      </ul>
    </>
  );
}

/** A category's usage against its quota, as a bar and in words. */
function WalletCard({ wallet: w }: { wallet: Wallet }) {
  const unit = w.paysFor.accountingUnit;
  const used = Math.min(w.totalUsage, w.quota);
  const label = `${w.paysFor.name} (${w.paysFor.provider})`;
  return (
    <li className="card">
      <h2>{label}</h2>
      <meter
        min={0}
        max={Math.max(w.quota, 1)}
        value={used}
        high={w.quota * 0.8}
        aria-label={`Usage of ${label}`}
      />
      <p>
        {formatAmount(w.totalUsage, unit)} used of {formatAmount(w.quota, unit)}
        {w.quota > 0 ? ` (${Math.round((100 * w.totalUsage) / w.quota)} %)` : ''};{' '}
        {formatAmount(w.maxUsable, unit)} left to use.
      </p>
    </li>
  );
}
