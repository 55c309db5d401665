import { useQuery } from '@tanstack/react-query';
import type { SupportFeature, ToolBackend } from '@ucloud/contracts';
import type { ResolvedSupport } from '../api';
import { supports } from '../api';
import { ErrorMessage, Loading } from '../components';
import { formatAmount } from '../money';
import { useTRPC } from '../trpc';

const FEATURES: [SupportFeature, string][] = [
  ['logs', 'output'],
  ['web', 'web interface'],
  ['vnc', 'remote desktop'],
  ['terminal', 'terminal'],
  ['timeExtension', 'time extension'],
  ['suspension', 'suspension'],
  ['utilization', 'utilisation'],
  ['peers', 'connecting jobs'],
];

const PER: Record<string, string> = {
  CREDITS_PER_MINUTE: 'per minute',
  CREDITS_PER_HOUR: 'per hour',
  CREDITS_PER_DAY: 'per day',
  UNITS_PER_MINUTE: 'per minute',
  UNITS_PER_HOUR: 'per hour',
  UNITS_PER_DAY: 'per day',
};

export const productKey = ({ product: p }: ResolvedSupport) =>
  `${p.category.provider}/${p.category.name}/${p.name}`;

interface Props {
  backend: ToolBackend;
  selected: string | null;
  error: string | undefined;
  onSelect: (product: ResolvedSupport) => void;
}

/** The products that run the application's backend, with their price and what they support. */
export function ProductPicker({ backend, selected, error, onSelect }: Props) {
  const trpc = useTRPC();
  const products = useQuery(trpc.jobs.retrieveProducts.queryOptions());
  const wallets = useQuery(trpc.accounting.browseWallets.queryOptions({ itemsPerPage: 250 }));
  if (products.isPending) return <Loading what="the products" />;
  if (products.isError) return <ErrorMessage error={products.error} doing="load the products" />;
  const usable = Object.values(products.data.productsByProvider)
    .flat()
    .filter((p) => p.support[backendBlock(backend)]?.enabled === true);
  const unitOf = (p: ResolvedSupport) =>
    wallets.data?.items.find(
      (w) =>
        w.paysFor.name === p.product.category.name &&
        w.paysFor.provider === p.product.category.provider,
    )?.paysFor.accountingUnit;

  return (
    <fieldset className={`products${error ? ' invalid' : ''}`} data-field="product">
      <legend>Machine</legend>
      {usable.length === 0 && <p className="error">No product runs this application.</p>}
      {usable.map((p) => {
        const unit = unitOf(p);
        const price = p.product.freeToUse
          ? 'Free'
          : `${unit ? formatAmount(p.product.pricePerUnit, unit) : p.product.pricePerUnit} ${PER[p.product.unitOfPrice] ?? ''}`;
        const features = FEATURES.filter(([f]) => supports(p.support, backend, f)).map(
          ([, words]) => words,
        );
        return (
          <label key={productKey(p)} className="product">
            <input
              type="radio"
              name="product"
              value={productKey(p)}
              checked={selected === productKey(p)}
              onChange={() => onSelect(p)}
            />
            <span>
              <strong>{p.product.name}</strong> from {p.product.category.provider} · {price}
              <br />
              <span className="muted">
                {p.product.cpu ?? '?'} CPU, {p.product.memoryInGigs ?? '?'} GB memory
                {p.product.gpu ? `, ${p.product.gpu} GPU` : ''}. Supports:{' '}
                {features.join(', ') || 'nothing beyond running'}.
              </span>
            </span>
          </label>
        );
      })}
      {error && (
        <p className="error field-error" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}

const backendBlock = (backend: ToolBackend) =>
  backend === 'DOCKER' ? 'docker' : backend === 'NATIVE' ? 'native' : 'virtualMachine';
