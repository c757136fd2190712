package dev.veto.ledger;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a ledger file into lines, keeping each line's byte offset and whether it ended with
 * a newline. A line longer than {@link EntryFormat#MAX_LINE_BYTES} is returned as oversized
 * (bytes dropped) so that a damaged file of garbage cannot exhaust memory.
 */
final class LineReader implements AutoCloseable {

  /** A line without its newline; bytes is null when the line was oversized. */
  record Line(long offset, byte[] bytes, boolean terminated, long length) {

    /** Offset just past this line and its newline. */
    long end() {
      return offset + length + (terminated ? 1 : 0);
    }
  }

  private final InputStream in;
  private final long limit;
  private final byte[] buffer = new byte[64 * 1024];
  private int bufferPos;
  private int bufferLen;
  private long position;
  private byte[] line = new byte[1024];

  /** Reads at most limit bytes from in. */
  LineReader(InputStream in, long limit) {
    this(in, 0, limit);
  }

  /** Reads from in, which stands at byte start of the file, up to byte limit of the file. */
  LineReader(InputStream in, long start, long limit) {
    this.in = in;
    this.position = start;
    this.limit = limit;
  }

  /** The next line, or null at the end. */
  Line next() throws IOException {
    long start = position;
    long length = 0;
    while (true) {
      if (bufferPos == bufferLen && !fill()) {
        return length == 0 ? null : line(start, length, false);
      }
      byte b = buffer[bufferPos++];
      position++;
      if (b == EntryFormat.NEWLINE) {
        return line(start, length, true);
      }
      if (length < EntryFormat.MAX_LINE_BYTES) {
        append(length, b);
      }
      length++;
    }
  }

  private Line line(long start, long length, boolean terminated) {
    byte[] bytes = length > EntryFormat.MAX_LINE_BYTES ? null
        : Arrays.copyOf(line, (int) length);
    return new Line(start, bytes, terminated, length);
  }

  private void append(long length, byte b) {
    if (length == line.length) {
      line = Arrays.copyOf(line, line.length * 2);
    }
    line[(int) length] = b;
  }

  private boolean fill() throws IOException {
    long remaining = limit - position;
    if (remaining <= 0) {
      return false;
    }
    int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
    if (n <= 0) {
      return false;
    }
    bufferPos = 0;
    bufferLen = n;
    return true;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
