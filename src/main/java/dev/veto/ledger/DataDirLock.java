package dev.veto.ledger;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The exclusive lock on {@code dataDir/ledger.lock} that makes a ledger single-writer.
 *
 * <p>Why a file of its own: Java file locks are POSIX record locks (fcntl) on Linux, and the
 * kernel drops all of a process's locks on a file as soon as any descriptor of that file is
 * closed in that process. Recovery and replay open and close {@code ledger.jsonl}, so a lock
 * on it was silently lost. Nothing but this class opens {@code ledger.lock}, and it keeps
 * one descriptor open from {@link #acquire} to {@link #close}.
 *
 * <p>A second acquire in the same process is refused from {@link #HELD} before it opens the
 * file: opening and closing the file to find out would release the holder's lock.
 */
final class DataDirLock implements AutoCloseable {

  static final String FILE_NAME = "ledger.lock";

  /** Real paths of the data directories this process holds locks on. */
  private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

  private final Path dataDir;
  private final FileChannel channel;
  private boolean released;

  private DataDirLock(Path dataDir, FileChannel channel) {
    this.dataDir = dataDir;
    this.channel = channel;
  }

  /** Locks an existing dataDir, or throws an IOException naming it at once (never waits). */
  static DataDirLock acquire(Path dataDir) throws IOException {
    Path dir = dataDir.toRealPath();
    if (!HELD.add(dir)) {
      throw alreadyOpen(dir);
    }
    FileChannel channel = null;
    try {
      channel = FileChannel.open(dir.resolve(FILE_NAME), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw alreadyOpen(dir);
      }
      return new DataDirLock(dir, channel);
    } catch (IOException | RuntimeException | Error e) {
      // This process held no lock on the file (HELD says so), so closing loses nothing.
      if (channel != null) {
        closeQuietly(channel);
      }
      HELD.remove(dir);
      throw e;
    }
  }

  private static IOException alreadyOpen(Path dir) {
    return new IOException("ledger in " + dir + " is already open by another Veto process"
        + " (or another ledger in this one); two writers would fork the chain");
  }

  /** Releases the lock. Idempotent. */
  @Override
  public synchronized void close() {
    if (released) {
      return;
    }
    released = true;
    // Closing the only descriptor releases the lock; the file itself stays (deleting it
    // would let a waiting process lock a file that a third then recreates beside it).
    closeQuietly(channel);
    HELD.remove(dataDir);
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // The descriptor is gone either way, and with it the lock.
    }
  }
}
