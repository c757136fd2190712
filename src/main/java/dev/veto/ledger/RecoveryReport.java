package dev.veto.ledger;

import java.nio.file.Path;

/**
 * What recovery found when the ledger was opened.
 *
 * @param entries complete entries found (and kept)
 * @param bytesCut bytes of a torn tail that were cut off, 0 if none
 * @param backup the file the cut bytes were copied to, or null if nothing was cut
 * @param prefixSeq entries taken from a snapshot's prefix without reading them, 0 if none
 */
public record RecoveryReport(long entries, long bytesCut, Path backup, long prefixSeq) {

  public RecoveryReport(long entries, long bytesCut, Path backup) {
    this(entries, bytesCut, backup, 0);
  }

  public boolean cutTornTail() {
    return bytesCut > 0;
  }
}
