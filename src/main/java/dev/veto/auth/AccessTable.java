package dev.veto.auth;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Who may call what: one table for every endpoint under {@code /v1/}, so the whole access
 * matrix can be read (and tested) in one place. A path that no row matches is not an
 * endpoint; a path that matches with another method is one the caller used wrongly.
 */
public final class AccessTable {

  private static final Set<Role> ALL = EnumSet.allOf(Role.class);
  private static final Set<Role> READERS = EnumSet.of(Role.OPERATOR, Role.AUDITOR);
  private static final Set<Role> APPROVAL_READERS =
      EnumSet.of(Role.APPROVER, Role.OPERATOR, Role.AUDITOR);
  private static final String ID = "[^/]+";

  /** One endpoint: method, path pattern, roles allowed. */
  public record Row(String method, Pattern path, Set<Role> roles) {
    boolean matchesPath(String candidate) {
      return path.matcher(candidate).matches();
    }
  }

  private static final List<Row> ROWS = List.of(
      row("POST", "/v1/decide", EnumSet.of(Role.AGENT)),
      row("POST", "/v1/outcomes", EnumSet.of(Role.AGENT)),
      // Agents read only their own decisions: the handler checks the agent id.
      row("GET", "/v1/decisions/" + ID, ALL),
      row("GET", "/v1/approvals", APPROVAL_READERS),
      row("GET", "/v1/approvals/" + ID, APPROVAL_READERS),
      row("POST", "/v1/approvals/" + ID, EnumSet.of(Role.APPROVER)),
      row("GET", "/v1/tasks/" + ID, READERS),
      row("POST", "/v1/tasks/" + ID + "/halt", EnumSet.of(Role.OPERATOR)),
      row("POST", "/v1/tasks/" + ID + "/reset", EnumSet.of(Role.OPERATOR)),
      row("GET", "/v1/modes", READERS),
      row("POST", "/v1/modes", EnumSet.of(Role.OPERATOR)),
      row("GET", "/v1/queue", READERS),
      row("POST", "/v1/queue/" + ID, EnumSet.of(Role.OPERATOR)),
      row("GET", "/v1/incidents", READERS),
      row("GET", "/v1/incidents/" + ID, READERS),
      row("GET", "/v1/policy", READERS),
      row("POST", "/v1/policy/reload", EnumSet.of(Role.OPERATOR)),
      row("GET", "/v1/policy/shadow", READERS),
      row("POST", "/v1/policy/shadow", EnumSet.of(Role.OPERATOR)),
      row("DELETE", "/v1/policy/shadow", EnumSet.of(Role.OPERATOR)),
      row("GET", "/v1/ledger/checkpoint", READERS),
      row("POST", "/v1/ledger/checkpoint", EnumSet.of(Role.OPERATOR)),
      row("GET", "/v1/ledger/proof/inclusion", READERS),
      row("GET", "/v1/ledger/proof/consistency", READERS),
      row("GET", "/v1/ledger/entries", READERS),
      row("GET", "/v1/keys", READERS),
      row("POST", "/v1/blobs/" + ID + "/erase", EnumSet.of(Role.OPERATOR)));

  private AccessTable() {}

  private static Row row(String method, String path, Set<Role> roles) {
    return new Row(method, Pattern.compile(path), roles);
  }

  public static List<Row> rows() {
    return ROWS;
  }

  /** The row for this method and path, if the endpoint exists with this method. */
  public static Optional<Row> find(String method, String path) {
    return ROWS.stream()
        .filter(row -> row.method().equals(method) && row.matchesPath(path))
        .findFirst();
  }

  /** Whether any method is served at this path. */
  public static boolean knowsPath(String path) {
    return ROWS.stream().anyMatch(row -> row.matchesPath(path));
  }
}
