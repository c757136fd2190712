package dev.veto.cli;

import static dev.veto.cli.CliRun.veto;
import static org.assertj.core.api.Assertions.assertThat;

import dev.veto.auth.Caller;
import dev.veto.auth.Role;
import dev.veto.auth.TokenFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code veto token}: a token printed once, only its hash kept, in a file only we read. */
class TokenCommandTest {

  @TempDir
  Path folder;

  @Test
  void shouldPrintATokenThatTheFileAuthenticatesWithoutStoringIt() throws Exception {
    Path file = folder.resolve("tokens.yaml");

    CliRun agent = veto("token", "--file", file.toString(), "--name", "bot", "--role", "agent",
        "--agent-id", "bot-1");
    CliRun approver = veto("token", "--file", file.toString(), "--name", "alice", "--role",
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
    CliRun run = veto("token", "--file", folder.resolve("t.yaml").toString(), "--name", "x",
        "--role", "agent,approver", "--agent-id", "x");

    assertThat(run.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(run.err()).contains("agent token").doesNotContain("Exception");
    assertThat(folder.resolve("t.yaml")).doesNotExist();
  }

  @Test
  void shouldRefuseAnUnknownRole() {
    CliRun run = veto("token", "--file", folder.resolve("t.yaml").toString(), "--name", "x",
        "--role", "admin");

    assertThat(run.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(run.err()).contains("unknown role 'admin'");
  }



  @Test
  void shouldRefuseAmbiguousOrUselessTokens() {
    String file = folder.resolve("t.yaml").toString();
    assertThat(veto("token", "--file", file, "--name", "alice", "--role", "approver").code())
        .isZero();

    CliRun twice = veto("token", "--file", file, "--name", "alice", "--role", "approver");
    CliRun agentIdOnApprover = veto("token", "--file", file, "--name", "bob", "--role",
        "approver", "--agent-id", "x");
    CliRun past = veto("token", "--file", file, "--name", "carol", "--role", "auditor",
        "--expires", "2020-01-01T00:00:00Z");
    CliRun tomorrow = veto("token", "--file", file, "--name", "dave", "--role", "auditor",
        "--expires", "tomorrow");
    CliRun newline = veto("token", "--file", file, "--name", "bad\nname", "--role",
        "auditor");

    assertThat(twice.err()).contains("already has a token named 'alice'");
    assertThat(agentIdOnApprover.err()).contains("--agent-id is for agent tokens only");
    assertThat(past.err()).contains("already past");
    assertThat(tomorrow.err()).contains("ISO-8601").doesNotContain("index 0");
    assertThat(newline.err()).contains("--name must be");
    for (CliRun run : new CliRun[] {twice, agentIdOnApprover, past, tomorrow, newline}) {
      assertThat(run.code()).isEqualTo(Main.EXIT_USAGE);
    }
  }
}
