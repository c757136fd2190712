package dev.veto.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veto.auth.Caller;
import dev.veto.auth.Role;
import dev.veto.auth.TokenFile;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code veto token}: a token printed once, only its hash kept, in a file only we read. */
class TokenCommandTest {

  @TempDir
  Path folder;

  @Test
  void shouldPrintATokenThatTheFileAuthenticatesWithoutStoringIt() throws Exception {
    Path file = folder.resolve("tokens.yaml");

    Run agent = veto("token", "--file", file.toString(), "--name", "bot", "--role", "agent",
        "--agent-id", "bot-1");
    Run approver = veto("token", "--file", file.toString(), "--name", "alice", "--role",
        "approver,auditor");

    assertThat(agent.code()).isZero();
    String token = agent.out().trim();
    assertThat(token).startsWith("veto_").hasSizeGreaterThan(40);
    assertThat(Files.readString(file)).doesNotContain(token).contains("bot-1");
    assertThat(Files.getPosixFilePermissions(file))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE);
    Caller caller = TokenFile.load(file).authenticate(token, Instant.now()).orElseThrow();
    assertThat(caller.agentId()).isEqualTo("bot-1");
    assertThat(caller.roles()).containsExactly(Role.AGENT);
    Caller alice = TokenFile.load(file).authenticate(approver.out().trim(), Instant.now())
        .orElseThrow();
    assertThat(alice.roles()).isEqualTo(Set.of(Role.APPROVER, Role.AUDITOR));
    assertThat(TokenFile.load(file).authenticate("veto_guess", Instant.now())).isEmpty();
  }

  @Test
  void shouldRefuseAnAgentTokenThatCouldAlsoApprove() {
    Run run = veto("token", "--file", folder.resolve("t.yaml").toString(), "--name", "x",
        "--role", "agent,approver", "--agent-id", "x");

    assertThat(run.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(run.err()).contains("agent token").doesNotContain("Exception");
    assertThat(folder.resolve("t.yaml")).doesNotExist();
  }

  @Test
  void shouldRefuseAnUnknownRole() {
    Run run = veto("token", "--file", folder.resolve("t.yaml").toString(), "--name", "x",
        "--role", "admin");

    assertThat(run.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(run.err()).contains("unknown role 'admin'");
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
