package dev.veto.snapshot;

import dev.veto.crypto.SigningKey;
import dev.veto.decision.LifecycleOptions;
import dev.veto.decision.ProjectionSnapshot;
import dev.veto.ledger.Ledger;
import dev.veto.ledger.LedgerOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the ledger and starts the projections from the newest snapshot that fits it: the
 * caller then replays only the entries after {@link Resumed#fromSeq()}. Without a snapshot
 * that fits, fromSeq is 0 and the projections are empty, as before snapshots existed.
 */
public final class Resume {

  private static final Logger log = LoggerFactory.getLogger(Resume.class);

  /** The open ledger, projections up to fromSeq, and where the replay must start. */
  public record Resumed(Ledger ledger, ProjectionSnapshot projections, long fromSeq) {}

  private Resume() {}

  public static Resumed open(Path dataDir, SigningKey key, Clock clock, LedgerOptions options,
      LifecycleOptions lifecycle, Snapshots snapshots) throws IOException {
    try (Snapshot snapshot = snapshots.openNewest()) {
      Ledger ledger = Ledger.open(dataDir, key, clock, options,
          snapshot == null ? null : snapshot.prefix());
      if (snapshot == null || ledger.recovery().prefixSeq() != snapshot.seq()) {
        return new Resumed(ledger, ProjectionSnapshot.fresh(clock, lifecycle), 0);
      }

      ProjectionSnapshot projections =
          ProjectionSnapshot.sized(clock, lifecycle, snapshot.decisionCount());
      try {
        snapshot.readProjections(projections::read);
      } catch (IOException | RuntimeException e) {
        // Sealed by our key yet unreadable: a bug, not damage. The ledger has it all anyway.
        log.atWarn().setMessage("snapshot projections unreadable; replaying the whole ledger")
            .addKeyValue("seq", snapshot.seq()).addKeyValue("error", String.valueOf(e)).log();
        return new Resumed(ledger, ProjectionSnapshot.fresh(clock, lifecycle), 0);
      }
      return new Resumed(ledger, projections, snapshot.seq());
    }
  }
}
