package dev.veto.snapshot;

import com.fasterxml.jackson.core.JsonParser;
import dev.veto.ledger.LedgerPrefix;
import java.io.IOException;

/** A snapshot that checked out, open at its projections (see {@link Snapshots}). */
public final class Snapshot implements AutoCloseable {

  private final LedgerPrefix prefix;
  private final long decisions;
  private final JsonParser in;

  Snapshot(LedgerPrefix prefix, long decisions, JsonParser in) {
    this.prefix = prefix;
    this.decisions = decisions;
    this.in = in;
  }

  /** How many past decisions the projections hold (to size the maps they go into). */
  public long decisionCount() {
    return decisions;
  }

  /** What recovery may skip: entries 1..seq. */
  public LedgerPrefix prefix() {
    return prefix;
  }

  public long seq() {
    return prefix.seq();
  }

  /** Hands the projections to reader; once. */
  public void readProjections(Snapshots.ProjectionReader reader) throws IOException {
    reader.read(in);
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
