package dev.veto.ledger;

import java.util.List;

/**
 * Payload blobs named by the entries, as verify found them.
 *
 * @param checked references followed
 * @param altered present, but the bytes do not have the SHA-256 they are named by: damage
 * @param missing absent with no {@code blob_erased} entry for them
 * @param erased absent because an erasure entry says so (privacy): not damage
 */
public record BlobReport(long checked, List<String> altered, List<String> missing,
                         List<String> erased) {}
