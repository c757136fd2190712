package dev.veto.auth;

import java.util.EnumSet;
import java.util.Set;

/**
 * Who sent a request, as established by its bearer token.
 *
 * @param name the token's name in the token file, for logs and the ledger (never the token)
 * @param agentId the agent this token speaks for, or null when it is not an agent's token
 * @param open true in open development mode (no token file): every role, any agent id
 */
public record Caller(String name, Set<Role> roles, String agentId, boolean open) {

  /** The caller of every request when no token file is configured. */
  public static final Caller OPEN = new Caller("open-mode", EnumSet.allOf(Role.class), null, true);

  public Caller {
    roles = roles.isEmpty() ? EnumSet.noneOf(Role.class) : EnumSet.copyOf(roles);
  }

  public boolean has(Role role) {
    return roles.contains(role);
  }

  /**
   * Whether this caller may act as or read for the given agent: its own agent id, or any
   * agent for a caller that is not restricted to one (open mode, operators, auditors).
   */
  public boolean mayActFor(String agent) {
    return agentId == null || agentId.equals(agent);
  }
}
