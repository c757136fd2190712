package dev.veto.policy;

/**
 * A tool listed in the config's catalogue with the tier an operator gave it. The name is
 * normalised exactly like {@link ToolCall#getTool()}, so rules compare them with {@code ==}.
 */
public record CatalogEntry(String name, int tier, String note) {

  public String getName() {
    return name;
  }

  public int getTier() {
    return tier;
  }

  public String getNote() {
    return note;
  }
}
