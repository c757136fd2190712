package dev.veto.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veto.testing.Proposals;
import dev.veto.testing.VetoFixture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The veto command as a user runs it: exit codes and what it prints. */
class CliTest {

  @TempDir
  Path data;

  @Test
  void verify_onAnIntactLedger_exits0AndCountsEntries() {
    writeLedger(4);

    Run run = veto("verify", "--data", data.toString());

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

    Run run = veto("verify", "--data", data.toString());

    assertThat(run.code()).isEqualTo(Main.EXIT_DAMAGED);
    assertThat(run.out()).contains("entry 3").contains("2 entries before it verified");
  }

  @Test
  void verify_withAnotherKey_exits1() {
    writeLedger(2);
    Path otherKeys = data.resolveSibling(data.getFileName() + "-other");
    veto("keygen", "--out", otherKeys.toString());

    Run run = veto("verify", "--data", data.toString(), "--key",
        otherKeys.resolve("signing-key.pub.pem").toString());

    assertThat(run.code()).isEqualTo(Main.EXIT_DAMAGED);
    assertThat(run.out()).contains("entry 1");
  }

  @Test
  void verify_withoutAKey_exits2WithAHint() {
    Run run = veto("verify", "--data", data.resolve("nothing-here").toString());

    assertThat(run.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(run.err()).contains("no public key");
  }

  @Test
  void keygen_writesAPrivateKeyOnlyTheOwnerCanRead_andRefusesToOverwrite() throws IOException {
    Path keys = data.resolve("keys");

    Run first = veto("keygen", "--out", keys.toString());
    Run second = veto("keygen", "--out", keys.toString());

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

    Run good = veto("check", "--rules", "rules");
    Run bad = veto("check", "--rules", broken.toString());

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

  private static Run veto(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int code = new CommandLine(new Main()).execute(args);
      return new Run(code, out.toString(StandardCharsets.UTF_8),
          err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  private record Run(int code, String out, String err) {}
}
