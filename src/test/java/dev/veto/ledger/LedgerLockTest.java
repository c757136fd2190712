package dev.veto.ledger;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One writer per data directory, in this process and across processes. */
class LedgerLockTest {

  @TempDir
  Path dataDir;

  @Test
  void secondOpenInProcess_failsAlsoAfterReplay_andSucceedsAfterClose() throws IOException {
    Path dir = dataDir.toRealPath();
    Files.createDirectories(dataDir.resolve("x"));
    try (Ledger first = LedgerFixture.open(dataDir)) {
      assertSecondOpenFails(dir);

      first.append("decision", LedgerFixture.data(1)).join();
      assertThat(LedgerFixture.replay(first)).hasSize(1);
      assertSecondOpenFails(dir);
      // Also through another spelling of the same folder.
      assertSecondOpenFails(dataDir.resolve(".").resolve("x").resolve(".."));

      // The failed opens did not disturb the first ledger.
      assertThat(first.append("decision", LedgerFixture.data(2)).join().seq()).isEqualTo(2);
    }

    assertThat(Files.exists(dataDir.resolve("ledger.lock"))).isTrue();
    try (Ledger again = LedgerFixture.open(dataDir)) {
      assertThat(LedgerFixture.replay(again)).hasSize(2);
      assertSecondOpenFails(dir);
    }
  }

  @Test
  void failedOpen_releasesTheLock() throws IOException {
    Path file = LedgerFixture.writeEntries(dataDir, 3);
    List<String> lines = LedgerFixture.lines(file);
    String second = lines.get(1);
    lines.set(1, "garbage");
    LedgerFixture.writeLines(file, lines);
    assertThatThrownBy(() -> LedgerFixture.open(dataDir))
        .isInstanceOf(LedgerCorruptException.class);

    lines.set(1, second);
    LedgerFixture.writeLines(file, lines);
    try (Ledger ledger = LedgerFixture.open(dataDir)) {
      assertThat(ledger.lastSeq()).isEqualTo(3);
    }
  }

  @Test
  void secondOpenFromAnotherProcess_fails() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child = new ProcessBuilder(java.toString(),
        "-cp", System.getProperty("java.class.path"),
        LedgerLockHolder.class.getName(), dataDir.toString())
        .redirectErrorStream(true)
        .start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8));
      String line = CompletableFuture.supplyAsync(() -> readLine(out))
          .get(60, TimeUnit.SECONDS);
      assertThat(line).isEqualTo("locked");

      assertSecondOpenFails(dataDir.toRealPath());
      assertThat(child.isAlive()).isTrue();
    } finally {
      child.destroyForcibly();
      child.waitFor(30, TimeUnit.SECONDS);
    }

    // Once the child is gone the kernel has released its lock.
    try (Ledger ledger = LedgerFixture.open(dataDir)) {
      assertThat(ledger.lastSeq()).isEqualTo(1);
    }
  }

  private static String readLine(BufferedReader out) {
    try {
      return out.readLine();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void assertSecondOpenFails(Path dir) throws IOException {
    assertThatThrownBy(() -> LedgerFixture.open(dir).close())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("ledger in " + dir.toRealPath()
            + " is already open by another Veto process");
  }
}
