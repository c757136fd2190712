package dev.veto.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.kie.api.KieServices;
import org.kie.api.builder.KieBuilder;
import org.kie.api.builder.KieFileSystem;
import org.kie.api.builder.Message;
import org.kie.api.builder.ReleaseId;
import org.kie.api.runtime.KieContainer;

/**
 * Compiles DRL sources into a KieContainer of its own. Each compile gets a fresh ReleaseId
 * (same group and artifact, a new version) so that several policy versions can live side by
 * side during a reload and an old one can be removed from the KieRepository when dropped.
 */
final class RuleCompiler {

  /** DRL files go under the folder matching their usual package, which silences a warning. */
  static final String RESOURCE_DIR = "src/main/resources/dev/veto/rules/";

  private static final AtomicLong SEQUENCE = new AtomicLong();

  private RuleCompiler() {}

  /** A compiled policy: the container to dispose of and its identity in the repository. */
  record Compiled(KieContainer container, ReleaseId releaseId) {

    void dispose() {
      container.dispose();
      KieServices.Factory.get().getRepository().removeKieModule(releaseId);
    }
  }

  /** sources maps file name to DRL bytes. */
  static Compiled compile(Map<String, byte[]> sources) throws PolicyException {
    KieServices ks = KieServices.Factory.get();
    ReleaseId releaseId = ks.newReleaseId("dev.veto", "policy",
        "1.0." + SEQUENCE.incrementAndGet());
    KieFileSystem kfs = ks.newKieFileSystem();
    kfs.generateAndWritePomXML(releaseId);
    sources.forEach((name, bytes) -> kfs.write(RESOURCE_DIR + name, bytes));

    KieBuilder builder = ks.newKieBuilder(kfs).buildAll();

    List<PolicyException.Problem> problems = problemsOf(builder);
    if (!problems.isEmpty()) {
      ks.getRepository().removeKieModule(releaseId);
      throw new PolicyException(problems);
    }
    return new Compiled(ks.newKieContainer(releaseId), releaseId);
  }

  static byte[] read(Path file) throws PolicyException {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new PolicyException(
          new PolicyException.Problem(file.getFileName().toString(), 0, "cannot read: " + e), e);
    }
  }

  private static List<PolicyException.Problem> problemsOf(KieBuilder builder) {
    List<PolicyException.Problem> problems = new ArrayList<>();
    for (Message m : builder.getResults().getMessages(Message.Level.ERROR)) {
      problems.add(new PolicyException.Problem(fileName(m.getPath()), Math.max(m.getLine(), 0),
          m.getText().strip()));
    }
    return withoutEchoes(problems);
  }

  /**
   * A parse error is followed by a line-less "Parser returned a null Package" for the same
   * file; it tells the author nothing more, so a file's line-less problems are dropped when
   * the file has a located one.
   */
  private static List<PolicyException.Problem> withoutEchoes(
      List<PolicyException.Problem> problems) {
    Set<String> located = new HashSet<>();
    problems.stream().filter(p -> p.line() > 0).forEach(p -> located.add(p.file()));
    return problems.stream()
        .filter(p -> p.line() > 0 || !located.contains(p.file()))
        .toList();
  }

  /** Messages carry a path inside the KieModule; authors know their files by name. */
  private static String fileName(String path) {
    if (path == null) {
      return "(policy)";
    }
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
