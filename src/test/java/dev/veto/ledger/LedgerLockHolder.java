package dev.veto.ledger;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Child JVM main for {@link LedgerLockTest}: opens a ledger on args[0], appends and replays
 * (which opens and closes ledger.jsonl), fails a second open in this process (which must not
 * release the lock either), prints "locked", then sleeps until destroyed.
 */
public final class LedgerLockHolder {

  private LedgerLockHolder() {}

  public static void main(String[] args) throws Exception {
    Path dataDir = Path.of(args[0]);
    Ledger ledger = LedgerFixture.open(dataDir);
    ledger.append("decision", LedgerFixture.data(1)).join();
    LedgerFixture.replay(ledger);
    try {
      LedgerFixture.open(dataDir).close();
      System.out.println("second open succeeded");
      System.exit(2);
    } catch (IOException expected) {
      // The point: this attempt must fail and leave the first ledger's lock in place.
    }
    System.out.println("locked");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
