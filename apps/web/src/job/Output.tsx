import { useState } from 'react';
import type { RankOutput } from './useFollow';

/** stdout and stderr of one rank at a time; a rank is chosen with its tab. */
export function Output({
  output,
  replicas,
}: {
  output: Map<number, RankOutput>;
  replicas: number;
}) {
  const [rank, setRank] = useState(0);
  const shown = output.get(rank);
  return (
    <section aria-labelledby="output-title">
      <h2 id="output-title">Output</h2>
      {replicas > 1 && (
        <div role="tablist" aria-label="Rank" className="tabs">
          {Array.from({ length: replicas }, (_, r) => (
            <button
              key={r}
              type="button"
              role="tab"
              aria-selected={r === rank}
              onClick={() => setRank(r)}
            >
              Rank {r}
            </button>
          ))}
        </div>
      )}
      <h3>Standard output</h3>
      <pre className="log" data-rank={rank} data-stream="stdout" tabIndex={0}>
        {shown?.stdout || <span className="muted">Nothing yet.</span>}
      </pre>
      {shown?.stderr && (
        <>
          <h3>Standard error</h3>
          <pre className="log stderr" data-rank={rank} data-stream="stderr" tabIndex={0}>
            {shown.stderr}
          </pre>
        </>
      )}
    </section>
  );
}
