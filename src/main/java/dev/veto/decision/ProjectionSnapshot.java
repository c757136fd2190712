package dev.veto.decision;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import dev.veto.ledger.LedgerEntry;
import java.io.IOException;
import java.time.Clock;

/**
 * Projections built from the ledger outside the live path, to be saved in a snapshot or to
 * start a {@link DecisionService} from: read back from a snapshot, then brought up to date
 * with the entries after it, exactly as a start replays them.
 *
 * <p>Threading: one thread at a time, until handed to a DecisionService.
 */
public final class ProjectionSnapshot {

  private final Projections state;
  private final Restorer restorer;

  private ProjectionSnapshot(Clock clock, LifecycleOptions options, int expectedDecisions) {
    this.state = new Projections(clock, options, expectedDecisions);
    this.restorer = new Restorer(state, clock, options);
  }

  /** Empty projections, as before the first entry. */
  public static ProjectionSnapshot fresh(Clock clock, LifecycleOptions options) {
    return new ProjectionSnapshot(clock, options, 16);
  }

  /** Empty projections sized for a snapshot of this many decisions. */
  public static ProjectionSnapshot sized(Clock clock, LifecycleOptions options,
      long decisions) {
    return new ProjectionSnapshot(clock, options, (int) Math.min(decisions, 1 << 28));
  }

  /** How many past decisions these projections hold. */
  public long decisionCount() {
    return state.decisions.size();
  }

  /** Reads what {@link #write} wrote; these projections must be fresh. */
  public void read(JsonParser in) throws IOException {
    ProjectionCodec.read(in, state);
  }

  /** Applies the next ledger entry, in seq order. */
  public void apply(LedgerEntry entry) {
    restorer.restore(entry);
  }

  /** Writes the projections as one JSON object; equal projections give equal bytes. */
  public void write(JsonGenerator out) throws IOException {
    ProjectionCodec.write(state, out);
  }

  /** The version of the last policy_loaded entry applied, null if none. */
  public String policyLoaded() {
    return state.policyLoaded;
  }

  Projections projections() {
    return state;
  }
}
