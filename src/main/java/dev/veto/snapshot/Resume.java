package dev.veto.snapshot;

import dev.veto.crypto.SigningKey;
import dev.veto.decision.LifecycleOptions;
import dev.veto.decision.ProjectionSnapshot;
import dev.veto.ledger.Ledger;
import dev.veto.ledger.LedgerEntry;
import dev.veto.ledger.LedgerOptions;
import dev.veto.ledger.LedgerPrefix;
import dev.veto.ledger.RecoveryListener;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the ledger and rebuilds the projections in one pass: from the newest snapshot that
 * fits, then each entry after it as recovery reads and checks it (the file is read and parsed
 * once). Without a snapshot that fits, the projections are rebuilt from the first entry.
 */
public final class Resume {

  private static final Logger log = LoggerFactory.getLogger(Resume.class);

  /**
   * The open ledger and its projections, up to date with its last entry; snapshotSeq is the
   * seq of the snapshot they started from, 0 if they were rebuilt from the first entry.
   */
  public record Resumed(Ledger ledger, ProjectionSnapshot projections, long snapshotSeq) {}

  private Resume() {}

  public static Resumed open(Path dataDir, SigningKey key, Clock clock, LedgerOptions options,
      LifecycleOptions lifecycle, Snapshots snapshots) throws IOException {
    ProjectionSnapshot saved = null;
    LedgerPrefix prefix = null;
    try (Snapshot snapshot = snapshots.openNewest()) {
      if (snapshot != null) {
        saved = read(snapshot, clock, lifecycle);
        prefix = saved == null ? null : snapshot.prefix();
      }
    }

    Rebuild rebuild = new Rebuild(saved, clock, lifecycle);
    Ledger ledger = Ledger.open(dataDir, key, clock, options, prefix, rebuild);
    return new Resumed(ledger, rebuild.projections, ledger.recovery().prefixSeq());
  }

  /** The snapshot's projections, or null (logged) when they cannot be read. */
  private static ProjectionSnapshot read(Snapshot snapshot, Clock clock,
      LifecycleOptions lifecycle) {
    ProjectionSnapshot projections =
        ProjectionSnapshot.sized(clock, lifecycle, snapshot.decisionCount());
    try {
      snapshot.readProjections(projections::read);
      return projections;
    } catch (IOException | RuntimeException e) {
      // Sealed by our key yet unreadable: a bug, not damage. The ledger has it all anyway.
      log.atWarn().setMessage("snapshot projections unreadable; replaying the whole ledger")
          .addKeyValue("seq", snapshot.seq()).addKeyValue("error", String.valueOf(e)).log();
      return null;
    }
  }

  /** Applies what recovery reads to the snapshot's projections, or to fresh ones. */
  private static final class Rebuild implements RecoveryListener {

    private final Clock clock;
    private final LifecycleOptions lifecycle;
    private ProjectionSnapshot projections;

    Rebuild(ProjectionSnapshot saved, Clock clock, LifecycleOptions lifecycle) {
      this.projections = saved;
      this.clock = clock;
      this.lifecycle = lifecycle;
    }

    @Override
    public void readingAfter(long prefixSeq) {
      if (prefixSeq == 0) {
        // No snapshot, or the ledger does not hold it: every entry is read, from empty.
        projections = ProjectionSnapshot.fresh(clock, lifecycle);
      }
    }

    @Override
    public void recovered(LedgerEntry entry) {
      projections.apply(entry);
    }
  }
}
