import { afterEach, describe, expect, it } from 'vitest';
import { listenForScrapes, type MetricsListener } from './metrics-listener.js';

let listener: MetricsListener | undefined;
afterEach(async () => {
  await listener?.close();
});

describe('listenForScrapes', () => {
  it('answers GET /metrics in the text format without a token, and nothing else', async () => {
    // What a prom-client Registry answers, without the dependency.
    const registry = {
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      metrics: async () =>
        '# HELP test_things_total Things.\n# TYPE test_things_total counter\ntest_things_total 3\n',
    };
    listener = await listenForScrapes(registry, { host: '127.0.0.1', port: 0 }, null, () => {});
    expect(listener.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

    const scrape = await fetch(listener.url);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toBe(registry.contentType);
    expect(await scrape.text()).toContain('test_things_total 3');

    expect((await fetch(listener.url.replace('/metrics', '/'))).status).toBe(404);
    const post = await fetch(listener.url, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers a failed collection with a 500 that keeps its detail in the log', async () => {
    const logged: unknown[] = [];
    const failing = {
      contentType: 'text/plain',
      metrics: () => Promise.reject(new Error('SQLITE_IOERR: /srv/ucloud/orchestrator.sqlite')),
    };
    listener = await listenForScrapes(failing, { host: '127.0.0.1', port: 0 }, null, (err) =>
      logged.push(err),
    );
    const scrape = await fetch(listener.url);
    expect(scrape.status).toBe(500);
    expect(await scrape.text()).not.toContain('/srv');
    expect(logged).toHaveLength(1);
  });
});
