package dev.veto.policy;

/** One explanation of a verdict: the rule that produced it and its message. */
public record Reason(String rule, String message) {}
