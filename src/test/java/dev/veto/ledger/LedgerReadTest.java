package dev.veto.ledger;

import static dev.veto.ledger.LedgerFixture.KEY;
import static dev.veto.ledger.LedgerFixture.data;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Past entries are read back from the file by seq, before and after a restart. */
class LedgerReadTest {

  @TempDir
  Path dataDir;

  @Test
  void readBySeq_returnsTheEntryAsReplayed_beforeAndAfterARestart() throws IOException {
    List<LedgerEntry> replayed = new ArrayList<>();
    try (Ledger ledger = open()) {
      for (int i = 0; i < 300; i++) {
        ledger.append("decision", data(i)).join();
      }
      assertThat(ledger.read(1)).isEqualTo(LedgerFixture.replay(ledger).get(0));
      assertThat(ledger.read(300).seq()).isEqualTo(300);
    }

    try (Ledger ledger = open()) {
      ledger.append("outcome", data(300)).join();
      ledger.replay(replayed::add);

      for (LedgerEntry entry : replayed) {
        assertThat(ledger.read(entry.seq())).isEqualTo(entry);
      }
    }
  }

  @Test
  void readOfASeqNotInTheLedger_isRejected() throws IOException {
    try (Ledger ledger = open()) {
      ledger.append("decision", data(1)).join();

      assertThatThrownBy(() -> ledger.read(0)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> ledger.read(2)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  private Ledger open() throws IOException {
    return Ledger.open(dataDir, KEY, LedgerFixture.clock(), LedgerOptions.defaults());
  }
}
