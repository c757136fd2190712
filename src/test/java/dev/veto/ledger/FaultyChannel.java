package dev.veto.ledger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * The ledger file's real channel, with storage faults switched on and off by the test: a full
 * disk (a write stores half its bytes, then fails) or a failing fsync (the write lands, the
 * force fails). Everything else goes to the real file.
 */
final class FaultyChannel extends FileChannel {

  enum Fault { NONE, DISK_FULL, FSYNC_FAILS }

  private final FileChannel real;
  private volatile Fault fault = Fault.NONE;

  FaultyChannel(FileChannel real) {
    this.real = real;
  }

  void fault(Fault next) {
    fault = next;
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    if (fault == Fault.DISK_FULL) {
      int half = src.remaining() / 2;
      ByteBuffer part = src.duplicate();
      part.limit(part.position() + half);
      real.write(part);
      throw new IOException("No space left on device");
    }
    return real.write(src);
  }

  @Override
  public void force(boolean metaData) throws IOException {
    if (fault == Fault.FSYNC_FAILS) {
      throw new IOException("Input/output error");
    }
    real.force(metaData);
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    return real.read(dst);
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    return real.read(dsts, offset, length);
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    return real.write(srcs, offset, length);
  }

  @Override
  public long position() throws IOException {
    return real.position();
  }

  @Override
  public FileChannel position(long newPosition) throws IOException {
    real.position(newPosition);
    return this;
  }

  @Override
  public long size() throws IOException {
    return real.size();
  }

  @Override
  public FileChannel truncate(long size) throws IOException {
    real.truncate(size);
    return this;
  }

  @Override
  public long transferTo(long position, long count, WritableByteChannel target)
      throws IOException {
    return real.transferTo(position, count, target);
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long position, long count)
      throws IOException {
    return real.transferFrom(src, position, count);
  }

  @Override
  public int read(ByteBuffer dst, long position) throws IOException {
    return real.read(dst, position);
  }

  @Override
  public int write(ByteBuffer src, long position) throws IOException {
    return real.write(src, position);
  }

  @Override
  public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
    return real.map(mode, position, size);
  }

  @Override
  public FileLock lock(long position, long size, boolean shared) throws IOException {
    return real.lock(position, size, shared);
  }

  @Override
  public FileLock tryLock(long position, long size, boolean shared) throws IOException {
    return real.tryLock(position, size, shared);
  }

  @Override
  protected void implCloseChannel() throws IOException {
    real.close();
  }
}
