import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { acmeBatch, useStack, waitForJob, webApp } from './harness.js';
import { browserMissing, DOCS, expectCleanPage, signIn, useBrowser } from './browser-harness.js';

// The whole stack (orchestrator serving the built web interface, gateway, native plugin) driven
// through headless Chromium, as a user would.
describe.skipIf(browserMissing)('the web interface', () => {
  const stack = useStack({ extraUsers: ['other:other-token'] });
  const browser = useBrowser();
  const user = stack.client();

  it('loads its first page fast, and signs in with a bearer token', async () => {
    const page = await browser.page();
    const started = Date.now();
    await page.goto(stack.url);
    await page.getByLabel('Bearer token').waitFor();
    const firstLoadMs = Date.now() - started;
    const navigation = JSON.parse(
      await page.evaluate('JSON.stringify(performance.getEntriesByType("navigation")[0])'),
    );
    console.log(
      `first page load: ${firstLoadMs} ms to the sign-in form (load event at ${Math.round(navigation.loadEventEnd)} ms)`,
    );
    expect(firstLoadMs).toBeLessThan(3000);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await page.screenshot({ path: join(DOCS, 'sign-in.png') });

    await page.getByLabel('Bearer token').fill(stack.userToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    // A reload keeps the page and the session.
    await page.reload();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    expectCleanPage(page, stack.url);
  });

  it('runs acme-batch from the form: output appears live, and the job ends SUCCESS without a reload', async () => {
    const page = await browser.page();
    await signIn(page, stack.url, stack.userToken, '/applications');
    await page.getByLabel('Search applications').fill('acme batch');
    await page.screenshot({ path: join(DOCS, 'applications.png') });
    await page.getByRole('link', { name: /acme/i }).first().click();
    await page.getByLabel('Value').fill('from the browser');
    await page.getByLabel(/Steps/).fill('4');
    await page.getByRole('radio', { name: /example-compute/ }).check();
    await page.screenshot({ path: join(DOCS, 'run.png'), fullPage: true });
    let navigations = 0;
    await page.getByRole('button', { name: 'Run' }).click();
    await page.waitForURL(/\/jobs\/\d+$/);
    page.on('framenavigated', () => navigations++);
    const id = page.url().split('/').pop() ?? '';
    await expect.poll(() => page.getByTestId('job-id').textContent()).toBe(id);

    const stdout = page.locator('pre[data-stream="stdout"]');
    await stdout.getByText('step 1 of 4').waitFor({ timeout: 30_000 });
    // Seen while the job still runs: the output arrived live, not at the end.
    expect(await page.getByTestId('job-state').textContent()).toBe('Running');
    await page.locator('.timeline [data-state="RUNNING"]').waitFor();
    await page.screenshot({ path: join(DOCS, 'job.png'), fullPage: true });
    await page.getByTestId('job-state').getByText('Success').waitFor({ timeout: 30_000 });
    expect(await stdout.textContent()).toContain('acme-batch: value=from the browser');
    expect(await stdout.textContent()).toContain('step 4 of 4\ndone');
    expect(navigations).toBe(0);
    await page.getByRole('heading', { name: 'Charges' }).waitFor();

    await page.goto(`${stack.url}/jobs`);
    await page.locator(`tr[data-job="${id}"]`).getByText('Success').waitFor();
    await page.screenshot({ path: join(DOCS, 'jobs.png') });
    await page.goto(`${stack.url}/wallets`);
    await page.getByRole('meter').first().waitFor();
    await page.screenshot({ path: join(DOCS, 'wallets.png') });
    expectCleanPage(page, stack.url);
  });

  it('shows the API’s refusal of a bad parameter next to the field', async () => {
    const page = await browser.page();
    await signIn(page, stack.url, stack.userToken, '/applications/acme-batch/1.0.0');
    await page.getByLabel('Value').fill('too many steps');
    await page.getByLabel(/Steps/).fill('200000');
    await page.getByRole('radio', { name: /example-compute/ }).check();
    await page.getByRole('button', { name: 'Run' }).click();
    const field = page.locator('[data-field="parameters.steps"] .field-error');
    await expect.poll(() => field.textContent()).toMatch(/at most 100000/);
    expect(new URL(page.url()).pathname).toBe('/applications/acme-batch/1.0.0');
    // The browser logs the refused call (400) itself; nothing else.
    expect(page.consoleErrors.every((e) => /status of 400/.test(e))).toBe(true);
  });

  it('terminates a running job', async () => {
    const { responses } = await user.jobs.create.mutate({ items: [acmeBatch('long', 300)] });
    const id = responses[0]!.id;
    const page = await browser.page();
    await signIn(page, stack.url, stack.userToken, `/jobs/${id}`);
    await page.getByTestId('job-state').getByText('Running').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Terminate' }).click();
    await page.getByTestId('job-state').getByText('Success').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByRole('button', { name: 'Terminate' }).count()).toBe(0);
    expectCleanPage(page, stack.url);
  });

  it('extends a job and shows the new deadline', async () => {
    const { responses } = await user.jobs.create.mutate({
      items: [
        acmeBatch('extend me', 300, { timeAllocation: { hours: 1, minutes: 0, seconds: 0 } }),
      ],
    });
    const id = responses[0]!.id;
    const page = await browser.page();
    await signIn(page, stack.url, stack.userToken, `/jobs/${id}`);
    await page.getByTestId('job-state').getByText('Running').waitFor({ timeout: 30_000 });
    const deadline = page.getByTestId('deadline').locator('time');
    await deadline.waitFor();
    const before = await deadline.getAttribute('datetime');
    await page.getByLabel('Hours to extend by').fill('2');
    await page.getByRole('button', { name: 'Extend' }).click();
    await expect.poll(() => deadline.getAttribute('datetime')).not.toBe(before);
    const job = await user.jobs.retrieve.query({ id });
    expect(await deadline.getAttribute('datetime')).toBe(
      new Date(job.status.expiresAt!).toISOString(),
    );
    expect(job.status.expiresAt! - Date.parse(before!)).toBe(2 * 3_600_000);
    await user.jobs.terminate.mutate({ items: [{ id }] });
    expectCleanPage(page, stack.url);
  });

  it('does not show another user’s job by its URL', async () => {
    const other = stack.client('other-token');
    const { responses } = await other.jobs.create.mutate({ items: [acmeBatch('private', 1)] });
    const id = responses[0]!.id;
    const page = await browser.page();
    await signIn(page, stack.url, stack.userToken, `/jobs/${id}`);
    await page.getByText(`There is no job ${id} that you can see.`).waitFor();
    expect(await page.content()).not.toContain('private');
  });

  it('opens the web application and types into a terminal of the job', async () => {
    const { responses } = await user.jobs.create.mutate({ items: [webApp()] });
    const id = responses[0]!.id;
    await waitForJob(user, id, (job) => job.status.state === 'RUNNING');
    const page = await browser.page();
    await signIn(page, stack.url, stack.userToken, `/jobs/${id}`);
    await page.getByTestId('job-state').getByText('Running').waitFor();

    await page.getByRole('button', { name: 'Open the web interface' }).click();
    const link = page.getByRole('link', { name: /Web interface of rank 0/ });
    const [tab] = await Promise.all([page.waitForEvent('popup'), link.click()]);
    const answer = await tab.waitForLoadState().then(() => tab.content());
    expect(answer.length).toBeGreaterThan(0);
    expect(new URL(tab.url()).host).toBe(new URL(stack.gatewayUrl).host);
    await tab.close();

    await page.getByRole('button', { name: 'Open a terminal' }).click();
    const terminal = page.getByLabel('Terminal');
    await terminal.locator('.xterm-rows').waitFor();
    await page.keyboard.type('echo typed-$((6*7))\r');
    await expect
      .poll(() => terminal.locator('.xterm-rows').textContent(), { timeout: 15_000 })
      .toContain('typed-42');
    await page.screenshot({ path: join(DOCS, 'terminal.png'), fullPage: true });
    await user.jobs.terminate.mutate({ items: [{ id }] });
    expectCleanPage(page, stack.url, stack.gatewayUrl);
  });
});
