package dev.veto.mode;

import dev.veto.policy.Mode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The degrade modes operators have set, for everything, one agent or one task. The mode in
 * force for a proposal is the most restrictive of the three, so a narrow scope can tighten a
 * wide one but never loosen it. A projection of the ledger's {@code mode_set} entries.
 */
public final class ModeBook {

  /** Where a mode applies. */
  public enum Scope {
    GLOBAL, AGENT, TASK;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Scope> fromWire(String wire) {
      for (Scope scope : values()) {
        if (scope.wire().equals(wire)) {
          return Optional.of(scope);
        }
      }
      return Optional.empty();
    }
  }

  /** One setting; id is null for the global scope. */
  public record Setting(Scope scope, String id, Mode mode, String by, String reason,
      long atMillis) {}

  private final Map<String, Setting> settings = new ConcurrentHashMap<>();

  public void set(Setting setting) {
    String key = key(setting.scope(), setting.id());
    if (setting.mode() == Mode.NORMAL) {
      settings.remove(key);
    } else {
      settings.put(key, setting);
    }
  }

  /** The mode in force for a proposal of this agent in this task. */
  public Mode effective(String agentId, String taskId) {
    if (settings.isEmpty()) {
      return Mode.NORMAL;
    }
    Mode mode = modeOf(Scope.GLOBAL, null);
    mode = Mode.mostRestrictive(mode, modeOf(Scope.AGENT, agentId));
    return Mode.mostRestrictive(mode, modeOf(Scope.TASK, taskId));
  }

  public Mode modeOf(Scope scope, String id) {
    Setting setting = settings.get(key(scope, id));
    return setting == null ? Mode.NORMAL : setting.mode();
  }

  public List<Setting> all() {
    return new ArrayList<>(settings.values());
  }

  private static String key(Scope scope, String id) {
    return scope.wire() + '\u0000' + (id == null ? "" : id);
  }
}
