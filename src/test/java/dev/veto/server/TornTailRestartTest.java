package dev.veto.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veto.crypto.KeyFiles;
import dev.veto.ledger.LedgerVerifier;
import dev.veto.testing.Proposals;
import dev.veto.testing.VetoFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A crash mid-append leaves a torn last record: the next start cuts it and goes on. */
class TornTailRestartTest {

  @TempDir
  Path data;

  @Test
  void startAfterATornAppend_cutsTheTail_keepsEveryCompleteEntry_andContinuesTheChain()
      throws Exception {
    try (VetoFixture veto = VetoFixture.start(data)) {
      for (int i = 0; i < 3; i++) {
        veto.decide(Proposals.of("get_user_details"));
      }
    }
    Files.writeString(data.resolve("ledger.jsonl"), "{\"entry\":{\"data\":{\"decision_id\":",
        StandardCharsets.UTF_8, StandardOpenOption.APPEND);

    long seqAfterRestart;
    long nextSeq;
    try (VetoFixture veto = VetoFixture.start(data)) {
      seqAfterRestart = veto.ledgerSeq();
      nextSeq = veto.decide(Proposals.of("get_user_details")).json()
          .path("receipt").path("seq").asLong();
    }

    // policy_loaded at the first start, then 3 decisions; the same policy adds none at restart
    assertThat(seqAfterRestart).isEqualTo(4);
    assertThat(nextSeq).isEqualTo(5);
    assertThat(LedgerVerifier.verify(data, KeyFiles.readPublic(KeyFiles.publicKeyPath(data)))
        .verified()).isEqualTo(5);
    try (Stream<Path> files = Files.list(data)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .anyMatch(name -> name.startsWith("ledger.jsonl.torn-"));
    }
  }
}
