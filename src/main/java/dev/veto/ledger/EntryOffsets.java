package dev.veto.ledger;

import java.util.Arrays;

/**
 * Byte offset of every durable entry, by seq: 8 bytes an entry, so that a past entry can be
 * read back from the file instead of being kept in memory.
 *
 * <p>Threading: one writer (recovery, then the appender thread), any number of readers. The
 * writer stores the element before publishing the new count (volatile), and publishes a grown
 * array before the count that needs it, so a reader that sees count n sees the first n
 * offsets.
 */
final class EntryOffsets {

  private volatile long[] offsets = new long[1024];
  private volatile long count;

  void add(long offset) {
    long[] current = offsets;
    if (count == current.length) {
      current = Arrays.copyOf(current, current.length * 2);
      offsets = current;
    }
    current[(int) count] = offset;
    count = count + 1;
  }

  /** Adds offsets read from a snapshot, before any other. */
  void addAll(long[] more) {
    if (count != 0) {
      throw new IllegalStateException("snapshot offsets must come first");
    }
    long[] grown = Arrays.copyOf(more, Math.max(1024, more.length * 2));
    offsets = grown;
    count = more.length;
  }

  /** The offsets of entries 1..count. */
  long[] first(long count) {
    if (count > this.count) {
      throw new IllegalArgumentException("only " + this.count + " offsets, asked " + count);
    }
    return Arrays.copyOf(offsets, Math.toIntExact(count));
  }

  /** Offset of the entry with this seq, or -1 when there is no such durable entry. */
  long offsetOf(long seq) {
    long known = count;
    if (seq < 1 || seq > known) {
      return -1;
    }
    return offsets[(int) (seq - 1)];
  }
}
