package dev.veto.cli;

import dev.veto.auth.Role;
import dev.veto.auth.TokenFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code veto token}: makes a bearer token and adds its hash to the token file. The token is
 * printed once, on standard output, and stored nowhere.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
    description = "Create a bearer token: prints it once and adds its SHA-256 to the token"
        + " file that `serve --tokens` reads.")
final class TokenCommand implements Callable<Integer> {

  @Option(names = "--file", defaultValue = "tokens.yaml",
      description = "Token file to add to (created mode 0600; default ./${DEFAULT-VALUE}).")
  Path file;

  @Option(names = "--name", required = true,
      description = "Who holds the token; shown in logs and the ledger, never the token.")
  String name;

  @Option(names = "--role", required = true, split = ",",
      description = "agent, approver, operator or auditor (comma-separated for several;"
          + " agent stands alone).")
  List<String> roles;

  @Option(names = "--agent-id", description = "The agent an agent token speaks for.")
  String agentId;

  @Option(names = "--expires", description = "Expiry, ISO-8601, e.g. 2027-01-01T00:00:00Z.")
  String expires;

  private Instant expiry() {
    if (expires == null) {
      return null;
    }
    Instant at;
    try {
      at = Instant.parse(expires);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("--expires must be an ISO-8601 instant such as"
          + " 2027-01-01T00:00:00Z");
    }
    if (!at.isAfter(Instant.now())) {
      throw new IllegalArgumentException("--expires " + expires + " is already past");
    }
    return at;
  }

  @Override
  public Integer call() {
    try {
      Set<Role> parsed = EnumSet.noneOf(Role.class);
      for (String role : roles) {
        parsed.add(Role.fromWire(role.trim()).orElseThrow(() -> new IllegalArgumentException(
            "unknown role '" + role + "' (agent, approver, operator, auditor)")));
      }
      if (parsed.contains(Role.AGENT) && (agentId == null || parsed.size() > 1)) {
        throw new IllegalArgumentException(
            "an agent token needs --agent-id and no other role");
      }
      if (!parsed.contains(Role.AGENT) && agentId != null) {
        throw new IllegalArgumentException("--agent-id is for agent tokens only");
      }
      if (!name.matches("[\\w.@:-]{1,64}")) {
        throw new IllegalArgumentException("--name must be 1 to 64 letters, digits or"
            + " . _ @ : - (it appears in logs and the ledger)");
      }
      if (Files.exists(file) && TokenFile.load(file).names().contains(name)) {
        throw new IllegalArgumentException("the file already has a token named '" + name
            + "'; names tell approvers and operators apart in the ledger");
      }
      Instant expiry = expiry();
      String token = TokenFile.newToken();
      TokenFile.append(file, name, parsed, agentId, expiry, token);
      System.out.println(token);
      System.err.println("added '" + name + "' to " + file + "; the token above is shown only"
          + " this once, keep it secret");
      return 0;
    } catch (IllegalArgumentException e) {
      System.err.println("veto token: " + e.getMessage());
      return Main.EXIT_USAGE;
    } catch (IOException e) {
      System.err.println("veto token: cannot write " + file + ": " + e.getMessage());
      return Main.EXIT_USAGE;
    }
  }
}
