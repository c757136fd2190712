package dev.veto.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the shared/ folder (test vectors) beside the clone. */
public final class SharedFiles {

  private SharedFiles() {}

  /** System property veto.shared (set by the pom), else ../shared. */
  public static Path root() {
    String configured = System.getProperty("veto.shared");
    Path root = configured != null ? Path.of(configured) : Path.of("..", "shared");
    if (!Files.isDirectory(root)) {
      throw new IllegalStateException("shared folder not found at " + root.toAbsolutePath()
          + "; set -Dveto.shared=<path to shared/>");
    }
    return root;
  }

  public static Path vectors(String first, String... more) {
    return root().resolve("vectors").resolve(Path.of(first, more));
  }
}
