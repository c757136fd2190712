package dev.veto.ledger;

import static dev.veto.ledger.LedgerFixture.KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery from a snapshot's prefix: it skips reading entries 1..seq only when the file
 * still holds entry seq where and as the prefix says, and ends in the same state as a full
 * read either way.
 */
class LedgerPrefixTest {

  @TempDir
  Path dataDir;

  @Test
  void shouldSkipTheMatchingPrefixAndEndAsAFullReadDoes() throws IOException {
    LedgerPrefix prefix = prefixAfter(12);
    LedgerFixture.writeEntries(dataDir, 8);

    State full = stateOf(null);
    State resumed = stateOf(prefix);

    assertThat(resumed.prefixSeq).isEqualTo(12);
    assertThat(full.prefixSeq).isZero();
    assertThat(resumed.lastSeq).isEqualTo(full.lastSeq).isEqualTo(20);
    assertThat(resumed.root).isEqualTo(full.root);
    assertThat(resumed.entries).isEqualTo(full.entries);
  }

  @Test
  void shouldHandTheListenerEveryEntryAfterWhereItStarted() throws IOException {
    LedgerPrefix prefix = prefixAfter(12);
    LedgerFixture.writeEntries(dataDir, 8);

    assertThat(heard(prefix)).startsWith(12L).containsSequence(12L, 13L).endsWith(20L)
        .hasSize(1 + 8);
    assertThat(heard(null)).startsWith(0L, 1L).endsWith(20L).hasSize(1 + 20);
  }

  /** What a listener hears: where the reading starts, then the seq of every entry read. */
  private List<Long> heard(LedgerPrefix prefix) throws IOException {
    List<Long> heard = new java.util.ArrayList<>();
    RecoveryListener listener = new RecoveryListener() {
      @Override
      public void readingAfter(long prefixSeq) {
        heard.add(prefixSeq);
      }

      @Override
      public void recovered(LedgerEntry entry) {
        heard.add(entry.seq());
      }
    };
    try (Ledger ledger = Ledger.open(dataDir, KEY, LedgerFixture.clock(),
        LedgerOptions.defaults(), prefix, listener)) {
      return heard;
    }
  }

  @Test
  void shouldReadTheWholeFileWhenThePrefixHashDiffers() throws IOException {
    LedgerPrefix real = prefixAfter(12);
    LedgerPrefix forged = new LedgerPrefix(real.seq(), "0".repeat(64), real.endOffset(),
        real.lastCheckpointSeq(), real.keyPeriods(), real.offsets(), real.leaves());

    assertThat(stateOf(forged).prefixSeq).isZero();
  }

  @Test
  void shouldReadTheWholeFileWhenThePrefixIsLongerThanTheFile() throws IOException {
    LedgerPrefix real = prefixAfter(12);
    LedgerPrefix longer = new LedgerPrefix(real.seq(), real.hash(), real.endOffset() + 10,
        real.lastCheckpointSeq(), real.keyPeriods(), real.offsets(), real.leaves());

    assertThat(stateOf(longer).prefixSeq).isZero();
  }

  @Test
  void shouldReadTheWholeFileWhenALeafDiffers() throws IOException {
    LedgerPrefix real = prefixAfter(12);
    byte[] leaves = real.leaves().clone();
    leaves[leaves.length - 1] ^= 1;
    LedgerPrefix altered = new LedgerPrefix(real.seq(), real.hash(), real.endOffset(),
        real.lastCheckpointSeq(), real.keyPeriods(), real.offsets(), leaves);

    State state = stateOf(altered);
    assertThat(state.prefixSeq).isZero();
    assertThat(state.root).isEqualTo(stateOf(null).root);
  }

  @Test
  void shouldRefuseToReadBackAnEntryEditedUnderThePrefix() throws IOException {
    LedgerPrefix prefix = prefixAfter(12);
    Path file = LedgerFixture.file(dataDir);
    List<String> lines = LedgerFixture.lines(file);
    // Entry 3 was signed as "refuse"; the same length keeps every offset, so the start
    // still trusts the prefix and does not re-read it.
    String signed = lines.get(2);
    lines.set(2, signed.replace("\"verdict\":\"refuse\"", "\"verdict\":\"allow\" "));
    assertThat(lines.get(2)).isNotEqualTo(signed).hasSameSizeAs(signed);
    LedgerFixture.writeLines(file, lines);

    try (Ledger ledger = Ledger.open(dataDir, KEY, LedgerFixture.clock(),
        LedgerOptions.defaults(), prefix, RecoveryListener.NONE)) {
      assertThat(ledger.recovery().prefixSeq()).isEqualTo(12);
      assertThat(ledger.read(4).seq()).isEqualTo(4);
      assertThatThrownBy(() -> ledger.read(3)).isInstanceOf(LedgerCorruptException.class)
          .hasMessageContaining("seq 3");
    }
  }

  /** Writes count - 1 entries and a checkpoint, and returns the prefix of all count. */
  private LedgerPrefix prefixAfter(int count) throws IOException {
    LedgerFixture.writeEntries(dataDir, count - 1);
    try (Ledger ledger = LedgerFixture.open(dataDir)) {
      ledger.checkpoint().join();
      return ledger.prefixNow();
    }
  }

  private record State(long prefixSeq, long lastSeq, byte[] root, List<LedgerEntry> entries) {

    @Override
    public boolean equals(Object other) {
      return other instanceof State s && prefixSeq == s.prefixSeq && lastSeq == s.lastSeq
          && Arrays.equals(root, s.root) && entries.equals(s.entries);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(lastSeq);
    }
  }

  private State stateOf(LedgerPrefix prefix) throws IOException {
    try (Ledger ledger = Ledger.open(dataDir, KEY, LedgerFixture.clock(),
        LedgerOptions.defaults(), prefix, RecoveryListener.NONE)) {
      assertThat(ledger.lastCheckpointSeq()).isEqualTo(12);
      assertThat(ledger.keys().keyInForce()).isEqualTo(KEY.keyId());
      return new State(ledger.recovery().prefixSeq(), ledger.lastSeq(),
          ledger.rootHash(ledger.treeSize()), LedgerFixture.replay(ledger));
    }
  }
}
