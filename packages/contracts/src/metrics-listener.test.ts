import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { listenForScrapes, type MetricsListener } from './listener.js';

let listener: MetricsListener | undefined;
afterEach(async () => {
  await listener?.close();
});

describe('listenForScrapes', () => {
  it('answers GET /metrics in the text format without a token, and nothing else', async () => {
    const registry = new Registry();
    new Counter({ name: 'test_things_total', help: 'Things.', registers: [registry] }).inc(3);
    listener = await listenForScrapes(registry, { host: '127.0.0.1', port: 0 }, null);
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
});
