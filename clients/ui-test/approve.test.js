// The approval page in a real browser (Debian's Chromium, never a downloaded one): a test
// agent's tier-3 proposal appears, the test approves it on the page with a comment, and the
// agent's decision becomes approved and its re-proposal allowed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startVeto } from '../typescript/test/veto-server.js';

const here = dirname(fileURLToPath(import.meta.url));
const artefacts = process.env.VETO_ARTEFACTS || resolve(here, '..', '..', 'target');
let veto;
let browser;

before(async () => {
  veto = await startVeto([['agent-1', 'agent', 'agent-1'], ['alice', 'approver'],
    ['olga', 'operator']]);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // Headless, and a fresh empty profile, are Playwright's own defaults. The rest keep
    // Chromium off the network (this machine has none beyond loopback) and out of sandboxes
    // that root cannot use.
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await veto?.stop();
});

const proposal = {
  task_id: 'order-7731', agent_id: 'agent-1', tool: 'BankManagerTransferFunds',
  args: { amount: 5, to: 'ACME Ltd' }, idempotency_key: 'transfer-7731',
};

test('an approver approves a tier-3 transfer on the page', async () => {
  const agent = veto.tokens['agent-1'];
  const held = await veto.call('POST', '/v1/decide', agent, proposal);
  assert.equal(held.body.verdict, 'require_approval');

  const page = await browser.newPage();
  const problems = [];
  // Script errors and CSP refusals show as console errors; an approver's expected 403s on
  // operator lists show as "Failed to load resource" and are not problems.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(m.text());
  });
  page.on('response', (r) => { if (r.status() === 404) problems.push('404 ' + r.url()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(veto.url + '/ui');

  // Sign in with the keyboard only, through the labelled field.
  await page.getByLabel('Bearer token').fill(veto.tokens.alice);
  await page.keyboard.press('Enter');
  // The card is an article named by its tool, as a screen reader announces it.
  const card = page.getByRole('article', { name: 'BankManagerTransferFunds' });
  await card.waitFor();
  assert.match(await card.textContent(), /order-7731/);
  assert.match(await card.textContent(), /ACME Ltd/);
  assert.match(await card.textContent(), /approval\.tier3/);
  assert.ok(!page.url().includes(veto.tokens.alice), 'the token never goes into the URL');

  await card.getByLabel('Comment').fill('ok, invoice 7731 checked');
  mkdirSync(artefacts, { recursive: true });
  await page.screenshot({ path: join(artefacts, 'ui-screenshot.png'), fullPage: true });
  await card.getByRole('button', { name: /^Approve/ }).click();
  await page.locator('#status', { hasText: 'approved' }).waitFor();
  await page.locator('#pending-empty').waitFor({ state: 'visible' });
  await page.screenshot({ path: join(artefacts, 'ui-screenshot-approved.png'), fullPage: true });

  const view = await veto.call('GET', `/v1/decisions/${held.body.decision_id}`, agent);
  assert.equal(view.body.approval.status, 'approved');
  assert.equal(view.body.approval.settled_by, 'alice');
  assert.equal(view.body.approval.comment, 'ok, invoice 7731 checked');
  const again = await veto.call('POST', '/v1/decide', agent, proposal);
  assert.equal(again.body.verdict, 'allow');
  assert.equal(again.body.reasons[0].rule, 'veto.approved');
  assert.deepEqual(problems, [], 'no script errors and no CSP violations');
});

test('a wrong token is refused with a message, and an operator sees modes', async () => {
  const page = await browser.newPage();
  await page.goto(veto.url + '/ui');
  await page.getByLabel('Bearer token').fill('veto_not-a-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#status', { hasText: 'unknown or expired' }).waitFor();

  await page.getByLabel('Bearer token').fill(veto.tokens.olga);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#modes li').first().waitFor();
  assert.match(await page.locator('#modes').textContent(), /normal mode/);
  assert.match(await page.locator('#facts').textContent(), /Policy sha256:/);
});
