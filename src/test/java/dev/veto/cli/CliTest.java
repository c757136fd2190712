package dev.veto.cli;

import static dev.veto.cli.CliRun.veto;
import static org.assertj.core.api.Assertions.assertThat;

import dev.veto.testing.Proposals;
import dev.veto.testing.VetoFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The veto command as a user runs it: exit codes and what it prints. */
class CliTest {

  @TempDir
  Path data;

  @Test
  void serve_withANegativeSnapshotInterval_exits2AndNamesTheOption() {
    CliRun run = veto("serve", "--data", data.toString(), "--snapshot-every", "-1");

    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("--snapshot-every must be 0 (no snapshots) or more");
    assertThat(data.resolve("ledger.jsonl")).doesNotExist();
  }

  @Test
  void verify_onAnIntactLedger_exits0AndCountsEntries() {
    writeLedger(4);

    CliRun run = veto("verify", "--data", data.toString());

    assertThat(run.code()).isZero();
    assertThat(run.out()).contains("verified 5 entries"); // 4 decisions and policy_loaded
  }

  @Test
  void verify_onAFlippedByte_exits1AndNamesTheEntry() throws IOException {
    writeLedger(4);
    Path ledger = data.resolve("ledger.jsonl");
    List<String> lines = new ArrayList<>(Files.readAllLines(ledger));
    lines.set(2, lines.get(2).replace("get_user_details", "get_user_detailz"));
    Files.write(ledger, lines);

    CliRun run = veto("verify", "--data", data.toString());

    assertThat(run.code()).isEqualTo(Main.EXIT_DAMAGED);
    assertThat(run.out()).contains("entry 3").contains("2 entries before it verified");
  }

  @Test
  void verify_withAnotherKey_exits1() {
    writeLedger(2);
    Path otherKeys = data.resolveSibling(data.getFileName() + "-other");
    veto("keygen", "--out", otherKeys.toString());

    CliRun run = veto("verify", "--data", data.toString(), "--key",
        otherKeys.resolve("signing-key.pub.pem").toString());

    assertThat(run.code()).isEqualTo(Main.EXIT_DAMAGED);
    assertThat(run.out()).contains("entry 1");
  }

  @Test
  void verify_withoutAKey_exits2WithAHint() {
    CliRun run = veto("verify", "--data", data.resolve("nothing-here").toString());

    assertThat(run.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(run.err()).contains("no public key");
  }

  @Test
  void keygen_writesAPrivateKeyOnlyTheOwnerCanRead_andRefusesToOverwrite() throws IOException {
    Path keys = data.resolve("keys");

    CliRun first = veto("keygen", "--out", keys.toString());
    CliRun second = veto("keygen", "--out", keys.toString());

    Set<PosixFilePermission> mode = Files.getPosixFilePermissions(
        keys.resolve("signing-key.pem"));
    assertThat(first.code()).isZero();
    assertThat(first.out()).contains("key id:      ed25519:");
    assertThat(mode).containsExactlyInAnyOrder(
        PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    assertThat(second.code()).isEqualTo(Main.EXIT_USAGE);
  }

  @Test
  void check_onTheDefaultRules_exits0_andOnABrokenRule_namesFileAndLine() throws IOException {
    Path broken = data.resolve("rules");
    Files.createDirectories(broken);
    Files.copy(Path.of("rules", "veto.yaml"), broken.resolve("veto.yaml"));
    Files.writeString(broken.resolve("typo.drl"), """
        package dev.veto.rules
        import dev.veto.policy.ToolCall

        rule "typo"
        when
          ToolCall( tool == )
        then
        end
        """);

    CliRun good = veto("check", "--rules", "rules");
    CliRun bad = veto("check", "--rules", broken.toString());

    assertThat(good.code()).isZero();
    assertThat(good.out()).startsWith("OK: ").contains("sha256:");
    assertThat(bad.code()).isEqualTo(Main.EXIT_DAMAGED);
    assertThat(bad.out()).contains("typo.drl:6:").contains("FAILED");
  }

  private void writeLedger(int decisions) {
    try (VetoFixture veto = VetoFixture.start(data)) {
      for (int i = 0; i < decisions; i++) {
        veto.decide(Proposals.of("get_user_details"));
      }
    }
  }


}
