package dev.veto.ledger;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** File-system durability helpers. */
final class Durability {

  private Durability() {}

  /** Forces a directory, so that a file created or renamed in it survives a crash. */
  static void forceDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // Some platforms (Windows) cannot open a directory; there the entry is best effort.
    }
  }
}
