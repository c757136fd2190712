package dev.veto.ledger;

import dev.veto.crypto.VerifyingKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Ed25519 verification for {@link LedgerVerifier}, on every core and beside the reading
 * thread: signature checks are about 70% of a verification's time, and each needs only its
 * line's hash, signature and the key the (sequential) walk found in force. Batches are
 * checked in order; the first bad signature is the lowest seq, so the report is the same as
 * a one-thread check's.
 *
 * <p>At most one batch waits while the next is read, which bounds memory to two batches.
 */
final class SignatureChecks implements AutoCloseable {

  static final int BATCH = 2048;

  /** One signature to check: entry seq, key in force, hash, signature bytes. */
  record Job(long seq, VerifyingKey key, byte[] hash, byte[] signature) {}

  private final int threads = Runtime.getRuntime().availableProcessors();
  private final ExecutorService pool = Executors.newFixedThreadPool(threads, runnable -> {
    Thread thread = new Thread(runnable, "veto-verify-signatures");
    thread.setDaemon(true);
    return thread;
  });
  private List<Future<Long>> inFlight = List.of();

  /** Checks the previous batch's result and starts this one; a failure stops everything. */
  Optional<IntegrityFailure> submit(List<Job> batch) {
    Optional<IntegrityFailure> failure = collect();
    if (failure.isEmpty()) {
      inFlight = start(batch);
    }
    return failure;
  }

  /** Checks what is in flight, then the rest, and reports the first bad signature. */
  Optional<IntegrityFailure> finish(List<Job> rest) {
    Optional<IntegrityFailure> failure = collect();
    if (failure.isPresent()) {
      return failure;
    }
    inFlight = start(rest);
    return collect();
  }

  private List<Future<Long>> start(List<Job> batch) {
    List<Future<Long>> parts = new ArrayList<>();
    int size = (batch.size() + threads - 1) / threads;
    for (int from = 0; from < batch.size(); from += size) {
      List<Job> part = batch.subList(from, Math.min(batch.size(), from + size));
      parts.add(pool.submit(() -> firstBad(part)));
    }
    return parts;
  }

  /** Seq of the first bad signature in part, or 0. */
  private static long firstBad(List<Job> part) {
    for (Job job : part) {
      if (!job.key().verify(EntryFormat.signedMessage(job.hash()), job.signature())) {
        return job.seq();
      }
    }
    return 0;
  }

  private Optional<IntegrityFailure> collect() {
    try {
      for (Future<Long> part : inFlight) {
        long bad = part.get();
        if (bad != 0) {
          return Optional.of(new IntegrityFailure(bad, "bad signature"));
        }
      }
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while verifying signatures", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("signature check failed", e.getCause());
    } finally {
      inFlight = List.of();
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
