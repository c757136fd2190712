// The guarded protocol end to end against the real Veto jar (no mocks).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startVeto, freePort } from './veto-server.js';
import { Veto, Refused, ApprovalTimeout, VetoUnavailable, InDoubt, AlreadyDone }
  from '../src/index.js';

let server;
before(async () => { server = await startVeto([['agent-1', 'agent', 'agent-1'],
  ['alice', 'approver']]); });
after(async () => { await server?.stop(); });

const veto = (options = {}) => new Veto({ url: server.url, token: server.tokens['agent-1'],
  agentId: 'agent-1', ...options });

/** An approver elsewhere: settles the first pending approval of `tool`. */
async function settleWhenPending(tool, decision = 'approve') {
  for (let i = 0; i < 200; i++) {
    const { body } = await server.call('GET', '/v1/approvals?status=pending',
      server.tokens.alice);
    const mine = body.items.find((a) => a.tool === tool);
    if (mine) {
      await server.call('POST', `/v1/approvals/${mine.id}`, server.tokens.alice,
        { decision, comment: 'from the test' });
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Forwards to Veto but drops the reply of the next `drop` decide calls. */
async function losingProxy() {
  const proxy = { drop: 0 };
  const http = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const answer = await fetch(server.url + req.url, { method: req.method,
      headers: { authorization: req.headers.authorization ?? '',
        'content-type': req.headers['content-type'] ?? 'application/json' },
      body: chunks.length ? Buffer.concat(chunks) : undefined });
    const text = await answer.text();
    if (req.url === '/v1/decide' && proxy.drop > 0) {
      proxy.drop -= 1;
      req.socket.destroy(); // Veto decided; the agent never hears it
      return;
    }
    const headers = { 'content-type': 'application/json' };
    const replayed = answer.headers.get('idempotent-replayed');
    if (replayed) headers['idempotent-replayed'] = replayed;
    res.writeHead(answer.status, headers).end(text);
  });
  await new Promise((r) => http.listen(0, '127.0.0.1', r));
  proxy.url = `http://127.0.0.1:${http.address().port}`;
  proxy.close = () => { http.closeAllConnections(); http.close(); };
  return proxy;
}

test('a read runs', async () => {
  const read = veto({ taskId: 't-read' }).guard('get_user_details', ({ id }) => ({ id }));
  assert.deepEqual(await read({ id: 'u-1' }), { id: 'u-1' });
});

test('an approved transfer runs once, and a retry does not run it again', async () => {
  const runs = [];
  const transfer = veto({ taskId: 't-approve', approvalTimeoutMs: 30_000 })
    .guard('BankManagerTransferFunds', ({ amount }) => { runs.push(amount); return 'sent'; });
  const [result] = await Promise.all([transfer({ amount: 5 }),
    settleWhenPending('BankManagerTransferFunds')]);
  assert.equal(result, 'sent');
  assert.deepEqual(runs, [5]);
  await assert.rejects(transfer({ amount: 5 }), (e) => e instanceof AlreadyDone
    && e.outcome === 'succeeded');
  assert.deepEqual(runs, [5]);
});

test('a denied approval is refused with the reasons', async () => {
  const client = veto({ taskId: 't-deny', approvalTimeoutMs: 30_000 });
  const attempt = client.action('delete_account', { user: 'u-9' },
    () => assert.fail('a denied action must not run'));
  await settleWhenPending('delete_account', 'deny');
  await assert.rejects(attempt, (e) => e instanceof Refused
    && e.rules.includes('veto.approval_denied'));
});

test('an unanswered approval times out as refused', async () => {
  const client = veto({ taskId: 't-wait', approvalTimeoutMs: 1000 });
  await assert.rejects(client.action('cancel_reservation', { id: 'R-1' },
    () => assert.fail('must not run')), (e) => e instanceof ApprovalTimeout);
});

test('a lost reply is retried under the same key and the tool runs once', async () => {
  const proxy = await losingProxy();
  try {
    proxy.drop = 1;
    const runs = [];
    await veto({ url: proxy.url, taskId: 't-lost' }).action('update_address',
      { street: 'Main 1' }, (act) => { runs.push(act.decision.decision_id); });
    assert.equal(runs.length, 1);
    const view = await server.call('GET', `/v1/decisions/${runs[0]}`, server.tokens.alice);
    assert.equal(view.body.outcome, 'succeeded');
  } finally { proxy.close(); }
});

test('an approval whose allow reply is lost still runs once', async () => {
  const proxy = await losingProxy();
  try {
    const runs = [];
    const client = veto({ url: proxy.url, taskId: 't-lost-approval',
      approvalTimeoutMs: 30_000 });
    const original = client.decision.bind(client);
    // Once the approver has answered, lose the re-proposal's allow.
    client.decision = async (...a) => {
      const view = await original(...a);
      if (view.approval?.status === 'approved') proxy.drop = 1;
      return view;
    };
    await Promise.all([
      client.action('BankManagerTransferFunds', { amount: 7 }, () => { runs.push(7); }),
      settleWhenPending('BankManagerTransferFunds')]);
    assert.deepEqual(runs, [7]);
  } finally { proxy.close(); }
});

test('an allow whose outcome was never reported is in doubt for a new attempt', async () => {
  const client = veto({ taskId: 't-doubt' });
  const { decision } = await client.decide('t-doubt', 'update_address', { s: 'x' }, 'k-doubt');
  assert.equal(decision.verdict, 'allow');
  await assert.rejects(client.action('update_address', { s: 'x' },
    () => assert.fail('must not run in doubt'), { key: 'k-doubt' }),
  (e) => e instanceof InDoubt);
});

test('a failing tool reports failed; a timeout reports unknown', async () => {
  const client = veto({ taskId: 't-fail' });
  const ids = {};
  for (const error of [new Error('bad'), new DOMException('slow', 'TimeoutError')]) {
    await assert.rejects(client.action('update_address', { case: error.name }, (act) => {
      ids[error.name] = act.decision.decision_id;
      throw error;
    }));
  }
  const outcome = async (id) => (await server.call('GET', `/v1/decisions/${id}`,
    server.tokens.alice)).body.outcome;
  assert.equal(await outcome(ids.Error), 'failed');
  assert.equal(await outcome(ids.TimeoutError), 'unknown');
});

test('an unreachable Veto refuses, unless reads may proceed', async () => {
  const nowhere = `http://127.0.0.1:${await freePort()}`; // nothing listens there
  const closed = new Veto({ url: nowhere, agentId: 'a', taskId: 't', retries: 1,
    timeoutMs: 1000 });
  await assert.rejects(closed.action('get_user_details', { id: 1 },
    () => assert.fail('must not run'), { readOnly: true }), (e) => e instanceof VetoUnavailable);
  const reads = new Veto({ url: nowhere, agentId: 'a', taskId: 't', retries: 0,
    timeoutMs: 1000, failOpenReads: true });
  assert.equal(await reads.action('get_user_details', { id: 1 }, () => 'ran',
    { readOnly: true }), 'ran');
  await assert.rejects(reads.action('BankManagerTransferFunds', { amount: 1 },
    () => assert.fail('only reads')), (e) => e instanceof VetoUnavailable);
});
