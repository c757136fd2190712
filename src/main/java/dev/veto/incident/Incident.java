package dev.veto.incident;

/**
 * What tripped in a task and the evidence: the limit and the value that crossed it, the
 * policy in force, and the range of ledger entries of the task that led there.
 *
 * @param trigger the rule or breaker that tripped, e.g. {@code budget.tokens} or
 *     {@code veto.breaker_open}
 */
public record Incident(
    String incidentId,
    String taskId,
    String trigger,
    String detail,
    long limit,
    long value,
    String policyVersion,
    long fromSeq,
    long toSeq,
    long atMillis) {}
