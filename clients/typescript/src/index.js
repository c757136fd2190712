// A Veto client for Node.js 20+: built-in fetch, no runtime dependencies.
// guard() and action() run the whole protocol around one tool call: decide, wait for an
// approver when asked, run the tool only on allow, report the outcome.
import { createHash } from 'node:crypto';

export class VetoError extends Error {
  constructor(message, decision) {
    super(message);
    this.name = new.target.name;
    this.decision = decision ?? null;
  }
  get decisionId() { return this.decision?.decision_id ?? null; }
}

/** Veto said no (or could not say yes). */
export class Refused extends VetoError {
  constructor(message, reasons, decision) {
    super(message, decision);
    this.reasons = reasons ?? [];
  }
  get rules() { return this.reasons.map((r) => r.rule); }
}
/** No approver answered in time; calling again with the same key waits again. */
export class ApprovalTimeout extends Refused {}
/** Veto could not be reached or could not decide: refused (fail closed). */
export class VetoUnavailable extends Refused {}
/** Allowed before under this key and nobody reported what happened: check first. */
export class InDoubt extends VetoError {}
/** This key's action already ran and its outcome was reported; use a new key to rerun. */
export class AlreadyDone extends VetoError {
  constructor(message, outcome, decision) {
    super(message, decision);
    this.outcome = outcome;
  }
}
/** Veto rejected the request itself (bad input, token, conflict): a bug to fix. */
export class ApiError extends VetoError {
  constructor(status, code, message, field) {
    super(`${status} ${code}: ${message}`);
    this.status = status;
    this.code = code;
    this.field = field ?? null;
  }
}

class Unreachable extends Error {}

// Errors after which a tool may or may not have taken effect: reported as "unknown".
const UNCERTAIN = new Set(['TimeoutError', 'AbortError']);
const UNCERTAIN_CODES = new Set(['ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'ECONNABORTED',
  'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export function isUncertain(error) {
  return UNCERTAIN.has(error?.name) || UNCERTAIN_CODES.has(error?.code)
    || UNCERTAIN_CODES.has(error?.cause?.code);
}

function canonical(value) {
  if (Array.isArray(value)) return '[' + value.map(canonical).join(',') + ']';
  if (value && typeof value === 'object') {
    return '{' + Object.keys(value).sort()
      .map((k) => JSON.stringify(k) + ':' + canonical(value[k])).join(',') + '}';
  }
  return JSON.stringify(value) ?? 'null';
}

/** The same logical call (task, tool, arguments) gets the same key on every retry. */
export function deriveKey(taskId, tool, args) {
  const digest = createHash('sha256').update(canonical([taskId, tool, args])).digest('hex');
  return 'ts-' + digest.slice(0, 40);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Veto {
  constructor({ url = 'http://127.0.0.1:8181', token, agentId = 'agent', taskId,
    timeoutMs = 10_000, retries = 3, approvalTimeoutMs = 300_000,
    failOpenReads = false } = {}) {
    this.url = url.replace(/\/$/, '');
    this.token = token;
    this.agentId = agentId;
    this.taskId = taskId;
    this.timeoutMs = timeoutMs;
    this.retries = retries;
    this.approvalTimeoutMs = approvalTimeoutMs;
    this.failOpenReads = failOpenReads;
  }

  async #call(method, path, body, timeoutMs = this.timeoutMs) {
    const headers = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response;
    let text;
    try {
      response = await fetch(this.url + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new Unreachable(error?.cause?.message ?? error.message);
    }
    let json = {};
    try { json = text ? JSON.parse(text) : {}; } catch { /* not JSON: keep {} */ }
    if (response.ok) {
      return { json, replayed: response.headers.get('idempotent-replayed') === 'true' };
    }
    if (response.status === 429 || response.status === 503) {
      // Rate limited, overloaded or briefly unable to write: retried under the same key.
      throw new Unreachable(json.message ?? `${response.status} from Veto`);
    }
    if (response.status === 500 && json.verdict === 'refuse') {
      throw new Refused(json.message ?? 'Veto failed; refused', json.reasons);
    }
    throw new ApiError(response.status, json.code ?? 'http_error', json.message ?? text,
      json.field);
  }

  /**
   * POST /v1/decide, retried under the same key. `ours` is true when an earlier attempt of
   * this call got no reply, so a replay "in doubt" is this call's own unanswered attempt.
   */
  async decide(taskId, tool, args, key, extra = {}) {
    const body = { task_id: taskId, agent_id: this.agentId, tool, args, idempotency_key: key };
    for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== null) body[k] = v;
    let lost = false;
    let last;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt) await sleep(Math.min(200 * 2 ** attempt, 2000));
      try {
        const { json, replayed } = await this.#call('POST', '/v1/decide', body);
        return { decision: json, replayed, ours: lost };
      } catch (error) {
        if (!(error instanceof Unreachable)) throw error;
        lost = true;
        last = error;
      }
    }
    throw last;
  }

  /** GET /v1/decisions/{id}, waiting up to waitMs (at most 60 s) for a settle. */
  async decision(decisionId, waitMs = 0) {
    const seconds = Math.max(0, Math.min(Math.floor(waitMs / 1000), 60));
    const path = `/v1/decisions/${encodeURIComponent(decisionId)}`
      + (seconds ? `?wait=${seconds}s` : '');
    return (await this.#call('GET', path, undefined, this.timeoutMs + seconds * 1000)).json;
  }

  /** POST /v1/outcomes, retried; a report that never arrives leaves the action in doubt. */
  async report(decisionId, status, tokensUsed) {
    const body = { decision_id: decisionId, status };
    if (tokensUsed !== undefined) body.tokens_used = tokensUsed;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      try {
        await this.#call('POST', '/v1/outcomes', body);
        return true;
      } catch (error) {
        if (!(error instanceof Unreachable)) throw error;
        await sleep(Math.min(200 * 2 ** attempt, 2000));
      }
    }
    console.error(`veto: outcome ${status} of ${decisionId} never reached Veto; in doubt`);
    return false;
  }

  /** Runs `run(action)` only if Veto allows, and reports how it went. */
  async action(tool, args, run, options = {}) {
    const taskId = options.taskId ?? this.taskId;
    if (!taskId) throw new TypeError('no task id: pass { taskId } or new Veto({ taskId })');
    const action = { tool, args: args ?? {}, taskId,
      key: options.key ?? deriveKey(taskId, tool, args ?? {}), decision: null,
      tokensUsed: undefined };
    try {
      action.decision = await this.#clear(action, options);
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      if (options.readOnly && this.failOpenReads) {
        console.warn(`veto unreachable; running read-only ${tool} unguarded: ${error.message}`);
        return run(action);
      }
      throw new VetoUnavailable(`Veto could not be reached, so ${tool} is refused: `
        + error.message, [{ rule: 'veto.unreachable', message: error.message }]);
    }
    let result;
    try {
      result = await run(action);
    } catch (error) {
      await this.report(action.decision.decision_id, isUncertain(error) ? 'unknown' : 'failed',
        action.tokensUsed);
      throw error;
    }
    await this.report(action.decision.decision_id, 'succeeded', action.tokensUsed);
    return result;
  }

  /** Wraps `fn(args)` so that every call goes through action(tool, args, ...). */
  guard(tool, fn, options = {}) {
    return (args = {}) => this.action(tool, args, () => fn(args), {
      ...options, key: options.key ? options.key(args) : undefined });
  }

  async #clear(action, { runInDoubt = false, step } = {}) {
    const deadline = Date.now() + this.approvalTimeoutMs;
    for (;;) {
      const { decision, replayed, ours } = await this.decide(action.taskId, action.tool,
        action.args, action.key, { step });
      if (decision.verdict === 'allow') {
        if (replayed) await this.#checkReplay(decision, ours || runInDoubt);
        return decision;
      }
      const held = decision.approval ?? decision.queue;
      if (!held) {
        const first = decision.reasons?.[0]?.message ?? 'no reason given';
        throw new Refused(`${action.tool} refused by Veto: ${first}`, decision.reasons, decision);
      }
      // Wait, bounded, then propose again with the same key: Veto answers allow once if
      // approved, refuse if denied or expired.
      if (!(await this.#awaitSettled(decision.decision_id, deadline))) {
        throw new ApprovalTimeout(`${action.tool}: no approver answered within `
          + `${this.approvalTimeoutMs / 1000} s (approval ${held.id}); call again with the `
          + 'same key to go on waiting', decision.reasons, decision);
      }
    }
  }

  async #awaitSettled(decisionId, deadline) {
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      const view = await this.decision(decisionId, Math.min(left, 30_000));
      const held = view.approval ?? view.queue ?? {};
      if (held.status !== 'pending' && held.status !== 'queued') return true;
      if (left < 1000) await sleep(left);
    }
  }

  async #checkReplay(decision, mayRun) {
    if (decision.outcome === 'unknown') {
      if (mayRun) return; // our own attempt lost its reply: the tool cannot have run yet
      throw new InDoubt(`${decision.decision_id}: allowed before and its outcome is unknown;`
        + ' check whether it took effect', decision);
    }
    const view = await this.decision(decision.decision_id);
    throw new AlreadyDone(`${decision.decision_id} already ran under this key (outcome: `
      + `${view.outcome}); use a new key to run it again`, view.outcome, decision);
  }
}
