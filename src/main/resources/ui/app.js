// The approval page: sign in with a token, list what waits, approve or deny with a comment.
// Everything is rendered with textContent (never innerHTML): arguments and reasons come from
// agents and must not become markup.
import { client, ApiError } from './api.js';

const TOKEN_KEY = 'veto.token';
const REFRESH_MS = 5000;
const $ = (id) => document.getElementById(id);

let api = null;
let timer = null;
// Lists this token's role may not read: asked once, then not again until the next sign-in.
const forbidden = new Set();

function say(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '';
}

async function signIn(token) {
  api = client(token);
  forbidden.clear();
  try {
    // Proves the token before showing anything; an agent token cannot read approvals.
    await api.approvals('pending');
  } catch (error) {
    api = null;
    sessionStorage.removeItem(TOKEN_KEY);
    say(error.status === 401 ? 'That token is unknown or expired.'
      : `Signed out: ${error.message}`, true);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $('signin').hidden = true;
  $('signed-in').hidden = false;
  say('Signed in.');
  await refresh();
  timer = setInterval(refresh, REFRESH_MS);
  $('refresh').focus();
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  clearInterval(timer);
  api = null;
  $('pending').replaceChildren();
  $('signed-in').hidden = true;
  $('signin').hidden = false;
  $('facts').textContent = 'Not signed in.';
  say('Signed out.');
  $('token').focus();
}

async function refresh() {
  if (!api) return;
  try {
    const health = await api.health();
    $('facts').textContent = `Policy ${health.policy_version.slice(0, 19)}… · ledger entry `
      + `${health.ledger_seq} · auth ${health.auth}`;
    const all = await api.approvals();
    renderPending(all.items.filter((a) => a.status === 'pending'));
    renderSettled(all.items.filter((a) => a.status !== 'pending'));
    renderRecent(all.items);
    await optional(api.incidents, renderIncidents, 'incidents');
    await optional(api.modes, renderModes, 'modes');
  } catch (error) {
    say(`Could not refresh: ${error.message}`, true);
  }
}

/** Incidents and modes are for operators and auditors; an approver sees why they are empty. */
async function optional(load, render, listId) {
  if (forbidden.has(listId)) return;
  try {
    render((await load()).items);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 403) throw error;
    forbidden.add(listId);
    $(listId).replaceChildren(el('li', 'Not visible with this token\'s role.', 'empty'));
  }
}

function renderPending(items) {
  const list = $('pending');
  const wanted = new Set(items.map((a) => a.id));
  // Keep cards already shown, so a comment being typed survives the refresh.
  for (const card of [...list.children]) {
    if (!wanted.has(card.dataset.id)) card.remove();
  }
  for (const approval of items) {
    if (!list.querySelector(`[data-id="${CSS.escape(approval.id)}"]`)) {
      list.append(card(approval));
    }
  }
  $('pending-count').textContent = `(${items.length})`;
  $('pending-empty').hidden = items.length > 0;
}

function card(approval) {
  const node = $('approval-card').content.firstElementChild.cloneNode(true);
  node.dataset.id = approval.id;
  const titleId = 'approval-' + approval.id;
  node.querySelector('.title').textContent = approval.tool;
  node.querySelector('.title').id = titleId;
  node.querySelector('article').setAttribute('aria-labelledby', titleId);
  node.querySelector('.task').textContent = approval.task_id;
  node.querySelector('.agent').textContent = approval.agent_id;
  node.querySelector('.expires').textContent = when(approval.expires_at);
  node.querySelector('.args').textContent = JSON.stringify(approval.args, null, 2);
  node.querySelector('.reasons').append(...approval.reasons.map((r) =>
    el('li', `${r.rule}: ${r.message}`)));
  node.querySelector('.history').append(...(approval.recent_decisions || []).map((d) =>
    el('li', `${when(d.at)} ${d.tool}: ${d.verdict} (tier ${d.tier})`)));
  for (const button of node.querySelectorAll('button')) {
    button.setAttribute('aria-label', `${button.textContent} ${approval.tool} for task `
      + approval.task_id);
  }
  node.querySelector('form').addEventListener('submit', (event) => {
    event.preventDefault();
    settle(node, approval, event.submitter.value, event.target.comment.value.trim());
  });
  return node;
}

async function settle(node, approval, decision, comment) {
  const buttons = node.querySelectorAll('button');
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const settled = await api.settle(approval.id, decision, comment);
    say(`${approval.tool} for task ${approval.task_id}: ${settled.status}.`);
    node.remove();
    await refresh();
    $('refresh').focus();
  } catch (error) {
    buttons.forEach((b) => { b.disabled = false; });
    say(error.code === 'already_settled'
      ? 'Someone else settled this approval first.' : `Not settled: ${error.message}`, true);
    if (error.code === 'already_settled') await refresh();
  }
}

function renderSettled(items) {
  $('settled').replaceChildren(...items.slice(-20).reverse().map((a) => el('li',
    `${a.tool} (task ${a.task_id}): ${a.status}`
    + (a.settled_by ? ` by ${a.settled_by}` : '') + (a.comment ? ` “${a.comment}”` : ''))));
}

function renderRecent(items) {
  const seen = new Map();
  for (const approval of items) {
    for (const d of approval.recent_decisions || []) {
      seen.set(d.decision_id, { ...d, task_id: approval.task_id });
    }
  }
  const rows = [...seen.values()].sort((a, b) => b.at.localeCompare(a.at)).slice(0, 20);
  $('recent').replaceChildren(...rows.map((d) => {
    const row = el('tr');
    row.append(el('td', when(d.at)), el('td', d.task_id), el('td', d.tool),
      el('td', String(d.tier)), el('td', d.verdict, 'verdict-' + d.verdict));
    return row;
  }));
}

function renderIncidents(items) {
  $('incidents').replaceChildren(...(items.length ? items.map((i) => el('li',
    `${when(i.time)} task ${i.task_id}: ${i.trigger} (${i.value} of ${i.limit})`))
    : [el('li', 'No incidents.', 'empty')]));
}

function renderModes(items) {
  $('modes').replaceChildren(...(items.length ? items.map((m) => el('li',
    `${m.scope}${m.id ? ' ' + m.id : ''}: ${m.mode} (${m.meaning})`))
    : [el('li', 'Every scope is in normal mode.', 'empty')]));
}

$('signin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $('token');
  const token = input.value.trim();
  input.value = '';
  signIn(token);
});
$('signout').addEventListener('click', signOut);
$('refresh').addEventListener('click', async () => { await refresh(); say('Refreshed.'); });

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) signIn(saved);
