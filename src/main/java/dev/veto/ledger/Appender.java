package dev.veto.ledger;

import dev.veto.ledger.merkle.HashTree;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of the ledger file, with group commit.
 *
 * <p>Threading: callers only enqueue ({@link #submit}); one thread takes what is waiting (up
 * to maxBatch), encodes every entry (BODY, hash, signature), writes the batch with one
 * FileChannel.write and forces it with one fsync, then completes the batch's futures on this
 * thread. So one fsync serves every entry that arrived while the previous one ran, and the
 * chain state (lastSeq, lastHash) has a single writer and needs no lock.
 *
 * <p>Invariants: entries are written in queue order with seq lastSeq+1, lastSeq+2, ...; a
 * future completes normally only after its bytes are written and (if fsync is on) forced; the
 * chain state and {@link #durableLength} advance only after that. After any write or fsync
 * error the state is FAILED for good: the page cache may have dropped the dirty pages, so a
 * retried fsync could "succeed" without the data (the PostgreSQL fsync lesson). Every later
 * entry is refused; an operator restarts, and recovery reads what really reached the disk.
 * The one thing a failure may leave is an entry on disk whose caller got an error; never the
 * reverse.
 *
 * <p>Shutdown: close() sets closed and enqueues a poison pill; entries ahead of it are
 * written, anything behind it is failed. submit() re-checks the state after enqueueing and
 * removes its own entry if the ledger closed meanwhile, so no future is ever left pending.
 *
 * <p>Attacker: callers control data and kind only; data arrives as canonical bytes and kind
 * matches a fixed pattern, so no caller can inject a field or a newline into the line.
 */
final class Appender implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(Appender.class);
  private static final int QUEUE_CAPACITY = 1 << 16;
  private static final Pending POISON = new Pending(null, null, null);
  private static final long HEAL_INTERVAL_MILLIS = 500;
  private static final int PROBE_BYTES = 64 * 1024;

  record Pending(String kind, byte[] canonicalData, CompletableFuture<Receipt> future) {}

  private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>(QUEUE_CAPACITY);
  private final ReentrantLock batchGate = new ReentrantLock();
  private final FileChannel channel;
  private final DataDirLock lock;
  private final EntryEncoder encoder;
  private final LedgerOptions options;
  private final List<Pending> batch = new ArrayList<>();
  // Two flags, not one state: entries queued before close() are still written, unless the
  // ledger has failed, and a failed ledger that is then closed must stay failed.
  private volatile boolean failed;
  private volatile boolean closed;
  private volatile long lastSeq;
  private volatile long durableLength;
  private volatile long batches;
  private volatile long fsyncs;
  // Timings of the last batch, read by the observer on this same thread.
  private long writeNanos;
  private long fsyncNanos;
  private volatile LedgerObserver observer = LedgerObserver.NONE;
  private volatile long heals;
  private String lastHash;
  private final EntryOffsets offsets;
  private final HashTree tree;
  private final List<Integer> batchStarts = new ArrayList<>();
  Appender(FileChannel channel, DataDirLock lock, EntryEncoder encoder, LedgerOptions options,
           Recovery.Result start) {
    this.channel = channel;
    this.lock = lock;
    this.encoder = encoder;
    this.options = options;
    this.lastSeq = start.lastSeq();
    this.lastHash = start.lastHash();
    this.durableLength = start.validLength();
    this.offsets = start.offsets();
    this.tree = start.tree();
  }

  CompletableFuture<Receipt> submit(String kind, byte[] canonicalData) {
    if (!writable()) {
      return CompletableFuture.failedFuture(unavailable());
    }
    Pending pending = new Pending(kind, canonicalData, new CompletableFuture<>());
    if (!queue.offer(pending)) {
      return CompletableFuture.failedFuture(new LedgerUnavailableException(
          "ledger append queue is full (" + QUEUE_CAPACITY + " waiting); storage too slow?"));
    }

    // close() or a failure may have happened between the check and the offer.
    if (!writable() && queue.remove(pending)) {
      pending.future().completeExceptionally(unavailable());
    }
    return pending.future();
  }

  @Override
  public void run() {
    boolean poisoned = false;
    while (!poisoned) {
      Pending first = failed ? pollWhileFailed() : takeUninterruptibly();
      if (first == null) {
        heal();
        continue;
      }
      batchGate.lock();
      try {
        batch.add(first);
        queue.drainTo(batch, options.maxBatch() - 1);
        poisoned = processBatch();
      } catch (Throwable t) {
        // A bug or an Error must not leave futures pending forever or let later batches
        // write over an unknown state: fail this batch and everything after it.
        failed = true;
        LOG.error("ledger appender failed, refusing all further appends: cause={}",
            t.toString(), t);
        failAll(batch, unavailable());
      } finally {
        batchGate.unlock();
        batch.clear();
      }
    }

    failAll(drainQueue(), unavailable());
    closeChannel();
  }

  private void closeChannel() {
    // The appender owns the channel and the data directory lock to the end, so a close()
    // called from a future callback on this thread cannot cut off queued entries, and no
    // other writer can start before the last write is done.
    try {
      channel.close();
    } catch (IOException e) {
      // Everything acknowledged was already forced; closing can lose nothing.
    } finally {
      lock.close();
    }
  }

  /** Writes the entries ahead of a poison pill, fails those behind it; true if poisoned. */
  private boolean processBatch() {
    int poison = batch.indexOf(POISON);
    List<Pending> live = poison < 0 ? batch : batch.subList(0, poison);
    if (poison >= 0) {
      failAll(batch.subList(poison + 1, batch.size()), unavailable());
    }
    if (!live.isEmpty()) {
      commit(live);
    }
    return poison >= 0;
  }

  private void commit(List<Pending> entries) {
    if (failed) {
      failAll(entries, unavailable());
      return;
    }

    List<Receipt> receipts;
    try {
      receipts = encode(entries);
    } catch (RuntimeException e) {
      // Nothing was written and the chain state was not advanced: the ledger stays usable.
      LOG.error("ledger batch encoding failed: entries={} cause={}", entries.size(),
          e.toString(), e);
      failAll(entries, new LedgerUnavailableException("ledger could not encode the entry", e));
      return;
    }

    long bytes = encoder.size();
    if (writeAndForce()) {
      advance(receipts);
      observer.committed(entries.size(), bytes, writeNanos, fsyncNanos);
      complete(entries, receipts);
    } else {
      observer.failed();
      failAll(entries, unavailable());
    }
  }

  /** Who hears of committed batches and failures (metrics); none until set. */
  void observe(LedgerObserver next) {
    observer = next;
  }

  private List<Receipt> encode(List<Pending> entries) {
    encoder.reset();
    batchStarts.clear();
    List<Receipt> receipts = new ArrayList<>(entries.size());
    long seq = lastSeq;
    String prev = lastHash;
    List<EntryEncoder.Unsigned> lines = new ArrayList<>(entries.size());
    for (Pending pending : entries) {
      batchStarts.add(encoder.size());
      EntryEncoder.Unsigned line =
          encoder.appendUnsigned(++seq, prev, pending.kind(), pending.canonicalData());
      lines.add(line);
      prev = line.hashHex();
    }
    receipts.addAll(encoder.signAll(lines));
    return receipts;
  }

  private boolean writeAndForce() {
    ByteBuffer bytes = ByteBuffer.wrap(encoder.buffer(), 0, encoder.size());
    try {
      long started = System.nanoTime();
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
      long written = System.nanoTime();
      writeNanos = written - started;
      fsyncNanos = 0;
      if (options.fsync()) {
        channel.force(false);
        fsyncNanos = System.nanoTime() - written;
        fsyncs++;
      }
      batches++;
      return true;
    } catch (IOException | RuntimeException e) {
      failed = true;
      LOG.error("ledger write failed, refusing appends until the storage recovers:"
          + " last_durable_seq={} batch_bytes={} cause={}; the failed batch is cut, never"
          + " retried", lastSeq, encoder.size(), e.toString(), e);
      return false;
    }
  }

  private void advance(List<Receipt> receipts) {
    for (int start : batchStarts) {
      offsets.add(durableLength + start);
    }
    // One lock and about one node hash per entry (HashTree); before lastSeq, so the tree
    // never lags a seq a reader has seen.
    tree.addAll(encoder.leafHashes());
    lastHash = receipts.get(receipts.size() - 1).hash();
    durableLength += encoder.size();
    lastSeq = receipts.get(receipts.size() - 1).seq();
  }

  private static void complete(List<Pending> entries, List<Receipt> receipts) {
    for (int i = 0; i < entries.size(); i++) {
      entries.get(i).future().complete(receipts.get(i));
    }
  }

  private static void failAll(List<Pending> entries, RuntimeException cause) {
    for (Pending pending : entries) {
      pending.future().completeExceptionally(cause);
    }
  }

  private List<Pending> drainQueue() {
    List<Pending> rest = new ArrayList<>();
    queue.drainTo(rest);
    rest.remove(POISON);
    return rest;
  }

  /**
   * While failed nothing is accepted, so the queue stays empty but for close(): wait a while,
   * then (null) try to heal.
   */
  private Pending pollWhileFailed() {
    try {
      return queue.poll(HEAL_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      return null;
    }
  }

  /**
   * After a failed write or fsync: cut the file back to the last durable entry, force that,
   * check the storage takes writes again, then accept entries again. The failed batch is
   * never retried: its callers were told it failed and its bytes are cut, because after a
   * failed fsync the kernel may already have dropped them while reporting the next fsync
   * clean. Until the storage recovers (disk full, unplugged, read-only), every attempt
   * fails and the ledger keeps refusing.
   */
  private void heal() {
    try {
      channel.truncate(durableLength);
      channel.position(durableLength);
      channel.force(true);
      probeStorage();
    } catch (IOException | RuntimeException e) {
      LOG.debug("ledger still not writable: cause={}", e.toString());
      return;
    }
    failed = false;
    heals++;
    LOG.warn("ledger writable again: last_durable_seq={} durable_bytes={}", lastSeq,
        durableLength);
  }

  /**
   * Writes a block of zeros after the last entry, forces it and cuts it again: does the
   * ledger's own file on its own device take writes and fsyncs again? Should Veto crash
   * in between, recovery finds a zero-filled tail and cuts it (with a backup), as after any
   * torn write.
   */
  private void probeStorage() throws IOException {
    ByteBuffer block = ByteBuffer.allocate(PROBE_BYTES);
    channel.position(durableLength);
    while (block.hasRemaining()) {
      channel.write(block);
    }
    channel.force(false);
    channel.truncate(durableLength);
    channel.position(durableLength);
    channel.force(true);
  }

  long heals() {
    return heals;
  }

  private Pending takeUninterruptibly() {
    while (true) {
      try {
        return queue.take();
      } catch (InterruptedException e) {
        // Only close() stops this thread; an interrupt from elsewhere is ignored.
      }
    }
  }

  /** Stops accepting entries; the thread writes what is queued, then exits. */
  void shutdown() {
    if (closed) {
      return;
    }
    closed = true;
    boolean interrupted = false;
    while (true) {
      try {
        queue.put(POISON);
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private LedgerUnavailableException unavailable() {
    return new LedgerUnavailableException(failed
        ? "ledger failed after a write or fsync error; it refuses until the storage"
            + " takes writes again"
        : "ledger is closed");
  }

  boolean writable() {
    return !failed && !closed;
  }

  long lastSeq() {
    return lastSeq;
  }

  EntryOffsets offsets() {
    return offsets;
  }

  long durableLength() {
    return durableLength;
  }

  long batches() {
    return batches;
  }

  long fsyncs() {
    return fsyncs;
  }

  ReentrantLock batchGate() {
    return batchGate;
  }
}
