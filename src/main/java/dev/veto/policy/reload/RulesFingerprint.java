package dev.veto.policy.reload;

import dev.veto.policy.PolicyException;
import dev.veto.policy.cases.CaseFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A digest of everything a reload reads: the .drl files, veto.yaml, the override file and the
 * test cases. The watcher compares it between polls; it is not the policy version (test
 * cases do not change what the policy decides, so they are not part of the version).
 */
final class RulesFingerprint {

  private RulesFingerprint() {}

  /** The digest, or a string naming the I/O problem (which also differs from any digest). */
  static String of(Path rulesDir, Path configFile) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (Path file : files(rulesDir, configFile)) {
        sha.update(file.toString().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(Files.readAllBytes(file));
        sha.update((byte) 0);
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (IOException | PolicyException e) {
      return "unreadable: " + e.getMessage();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  private static List<Path> files(Path rulesDir, Path configFile)
      throws IOException, PolicyException {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> listing = Files.list(rulesDir)) {
      listing.filter(p -> isPolicyFile(p.getFileName().toString())).sorted().forEach(out::add);
    }
    Path tests = rulesDir.resolve(CaseFiles.DIR);
    if (Files.isDirectory(tests)) {
      out.addAll(CaseFiles.yamlFiles(tests));
    }
    if (configFile != null) {
      out.add(configFile);
    }
    return out;
  }

  private static boolean isPolicyFile(String name) {
    return name.endsWith(".drl") || name.equals("veto.yaml");
  }
}
