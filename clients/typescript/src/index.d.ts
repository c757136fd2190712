// Type definitions for the Veto client (src/index.js).

export type Verdict = 'allow' | 'refuse' | 'require_approval';
export type OutcomeStatus = 'succeeded' | 'failed' | 'unknown';
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Args = { [key: string]: unknown };

export interface Reason { rule: string; message: string }

export interface Decision {
  decision_id: string;
  task_id: string;
  verdict: Verdict;
  tier: number;
  reasons: Reason[];
  policy_version: string;
  mode: { name: string; meaning: string };
  approval?: { id: string; expires_at: string };
  queue?: { id: string };
  outcome?: OutcomeStatus | null;
  budgets: { remaining: Record<string, number> };
  receipt: { seq: number; hash: string; signature: string; key_id: string };
}

export interface DecisionView extends Omit<Decision, 'approval' | 'queue'> {
  approval?: HeldState;
  queue?: HeldState;
  outcome: OutcomeStatus | null;
  in_doubt: boolean;
}

export interface HeldState {
  id: string;
  status: 'pending' | 'approved' | 'denied' | 'expired' | 'queued' | 'released' | 'dropped';
  settled_by?: string;
  comment?: string | null;
  used: boolean;
}

export interface VetoOptions {
  /** Default http://127.0.0.1:8181 */
  url?: string;
  /** Bearer token made with `veto token --role agent --agent-id ...` */
  token?: string;
  agentId?: string;
  /** Default task for calls that name none. */
  taskId?: string;
  timeoutMs?: number;
  /** Retries of decide and outcome reports under the same key. Default 3. */
  retries?: number;
  /** How long to wait for an approver. Default 300000 (5 minutes). */
  approvalTimeoutMs?: number;
  /** Let readOnly calls run when Veto is unreachable. Default false: refuse. */
  failOpenReads?: boolean;
}

export interface ActionOptions {
  taskId?: string;
  /** Idempotency key; default derived from task, tool and arguments. */
  key?: string;
  /** A tier-0 read: may run unguarded when Veto is unreachable and failOpenReads is set. */
  readOnly?: boolean;
  /** Run even if this key's earlier allow is in doubt (you checked it did not happen). */
  runInDoubt?: boolean;
  step?: number;
}

export interface GuardOptions<A> extends Omit<ActionOptions, 'key'> {
  key?: (args: A) => string;
}

export interface Action<A = Args> {
  tool: string;
  args: A;
  taskId: string;
  key: string;
  decision: Decision | null;
  /** Set to report the model tokens this call spent. */
  tokensUsed?: number;
}

export class Veto {
  constructor(options?: VetoOptions);
  readonly url: string;
  agentId: string;
  taskId?: string;
  action<T, A extends Args = Args>(tool: string, args: A,
    run: (action: Action<A>) => T | Promise<T>, options?: ActionOptions): Promise<T>;
  guard<A extends Args, T>(tool: string, fn: (args: A) => T | Promise<T>,
    options?: GuardOptions<A>): (args: A) => Promise<T>;
  decide(taskId: string, tool: string, args: Args, key: string,
    extra?: { step?: number; tokens_used?: number; context?: Args }):
    Promise<{ decision: Decision; replayed: boolean; ours: boolean }>;
  decision(decisionId: string, waitMs?: number): Promise<DecisionView>;
  report(decisionId: string, status: OutcomeStatus, tokensUsed?: number): Promise<boolean>;
}

export function deriveKey(taskId: string, tool: string, args: Args): string;
export function isUncertain(error: unknown): boolean;

export class VetoError extends Error {
  readonly decision: Decision | null;
  readonly decisionId: string | null;
}
export class Refused extends VetoError {
  readonly reasons: Reason[];
  readonly rules: string[];
}
export class ApprovalTimeout extends Refused {}
export class VetoUnavailable extends Refused {}
export class InDoubt extends VetoError {}
export class AlreadyDone extends VetoError {
  readonly outcome: OutcomeStatus | null;
}
export class ApiError extends VetoError {
  readonly status: number;
  readonly code: string;
  readonly field: string | null;
}
