package dev.veto.policy.reload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** A copy of the shipped rules (with their test cases) in a test's folder, to edit. */
public final class RulesFolder {

  public static final Path SHIPPED = Path.of("rules");

  private final Path dir;

  private RulesFolder(Path dir) {
    this.dir = dir;
  }

  public static RulesFolder copyOfShipped(Path dir) {
    copy(SHIPPED, dir);
    return new RulesFolder(dir);
  }

  public Path dir() {
    return dir;
  }

  /** Writes a file of the folder (tests/x.yaml too) in one step, as a deploy tool would. */
  public void write(String name, String text) {
    try {
      Path target = dir.resolve(name);
      Path temp = target.resolveSibling(target.getFileName() + ".tmp");
      Files.writeString(temp, text);
      Files.move(temp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void delete(String name) {
    try {
      Files.deleteIfExists(dir.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A catalogue entry for the tool 'reload_probe' at the given tier, so that a version's answer
   * for it tells which version answered: tier 0 allows, tier 3 needs an approval.
   */
  public void probeTier(int tier) {
    probeTier(tier, 50);
  }

  /** The same, with another evaluation deadline. */
  public void probeTier(int tier, int deadlineMillis) {
    try {
      String yaml = Files.readString(SHIPPED.resolve("veto.yaml"))
          .replace("evaluation_deadline_ms: 50", "evaluation_deadline_ms: " + deadlineMillis);
      write("veto.yaml", yaml + "\n  reload_probe: {tier: " + tier + ", note: \"test\"}\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void copy(Path from, Path to) {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path source : files.toList()) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
