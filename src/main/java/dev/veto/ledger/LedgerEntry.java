package dev.veto.ledger;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** One complete entry as read back from the ledger file (see docs/LEDGER.md). */
public record LedgerEntry(long seq, String prev, String time, String kind, ObjectNode data,
                          String keyId, String hash, String signature) {}
