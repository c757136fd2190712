package dev.veto.policy;

/** Inserted by Veto between the phases: the tier that phase 1 settled on, 0 to 3. */
public record Classification(int tier) {

  public int getTier() {
    return tier;
  }
}
