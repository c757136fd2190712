package dev.veto.ledger;

import java.nio.file.Path;

/**
 * What recovery found when the ledger was opened.
 *
 * @param entries complete entries found (and kept)
 * @param bytesCut bytes of a torn tail that were cut off, 0 if none
 * @param backup the file the cut bytes were copied to, or null if nothing was cut
 */
public record RecoveryReport(long entries, long bytesCut, Path backup) {

  public boolean cutTornTail() {
    return bytesCut > 0;
  }
}
