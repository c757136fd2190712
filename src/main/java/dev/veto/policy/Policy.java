package dev.veto.policy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.kie.api.KieBase;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Rule;

/**
 * One loaded, immutable policy: the compiled rules of a rules directory and its config.
 * Build it with {@link #load}; a policy that fails to compile is never returned. Evaluation is
 * thread-safe. {@link #close()} releases the rule base and its KieModule, for hot reload.
 *
 * <p>Closing is reference-counted: evaluations in flight when close() is called finish on the
 * rule base they started with, and the last one out disposes it. So a reload can close the
 * policy it replaced without failing a decision that read it a moment before the swap.
 */
public final class Policy implements AutoCloseable {

  /** The deadline of offline evaluations: test cases and replay (see trace). */
  public static final long OFFLINE_DEADLINE_MILLIS = 5_000;

  private final String version;
  private final PolicyConfig config;
  private final List<String> ruleNames;
  private final List<String> files;
  private final RuleCompiler.Compiled compiled;
  private final Evaluator evaluator;

  /** 1 for the owner's hold (dropped by close) plus one per evaluation in flight. */
  private final AtomicInteger users = new AtomicInteger(1);
  private final AtomicBoolean closed = new AtomicBoolean();

  private Policy(String version, PolicyConfig config, List<String> ruleNames,
      List<String> files, RuleCompiler.Compiled compiled, Evaluator evaluator) {
    this.version = version;
    this.config = config;
    this.ruleNames = ruleNames;
    this.files = files;
    this.compiled = compiled;
    this.evaluator = evaluator;
  }

  /**
   * Compiles every rules/*.drl and reads rules/veto.yaml, overlaid by configFile when it is
   * not null. Every problem found (file, line, message) is reported together.
   */
  public static Policy load(Path rulesDir, Path configFile) throws PolicyException {
    Map<String, byte[]> drl = readDrl(rulesDir);
    Path baseConfig = rulesDir.resolve(PolicyConfig.FILE_NAME);
    PolicyConfig config = PolicyConfig.load(baseConfig, configFile);
    String version = version(drl, baseConfig, configFile);

    RuleCompiler.Compiled compiled = RuleCompiler.compile(drl);
    try {
      KieBase kieBase = compiled.container().getKieBase();
      List<String> names = checkRules(kieBase);
      Evaluator evaluator = new Evaluator(kieBase, config);
      evaluator.warmUp();
      return new Policy(version, config, names, files(drl, configFile), compiled, evaluator);
    } catch (PolicyException | RuntimeException e) {
      compiled.dispose();
      throw e;
    }
  }

  /** "sha256:" and the hex digest of the sorted DRL files and the config file(s). */
  public String version() {
    return version;
  }

  public Limits limits() {
    return config.limits();
  }

  public long deadlineMillis() {
    return config.deadlineMillis();
  }

  /** Every rule name, sorted. */
  public List<String> ruleNames() {
    return ruleNames;
  }

  /** The files the version covers: the .drl files, veto.yaml and the override, if any. */
  public List<String> files() {
    return files;
  }

  /** Thread-safe. Throws when a rule fails or the deadline passes; the caller then refuses. */
  public Evaluation evaluate(ToolCall call, TaskUsage usage, Situation situation)
      throws PolicyEvaluationException {
    return trace(call, usage, situation).evaluation();
  }

  /** Like evaluate, with the names of every rule that produced a finding. */
  public Trace trace(ToolCall call, TaskUsage usage, Situation situation)
      throws PolicyEvaluationException {
    return trace(call, usage, situation, config.deadlineMillis());
  }

  /**
   * Like trace, with another deadline. Offline checks (policy test cases, replay) use a long
   * one: they ask what the rules answer, and a machine busy compiling or collecting garbage
   * must not turn that into a timeout. A rule that never stops is still halted.
   */
  public Trace trace(ToolCall call, TaskUsage usage, Situation situation, long deadlineMillis)
      throws PolicyEvaluationException {
    if (!retain()) {
      throw new PolicyEvaluationException("policy " + version + " was closed");
    }
    try {
      return evaluator.trace(call, usage, situation, deadlineMillis);
    } finally {
      release();
    }
  }

  /** In normal mode with no probable duplicate. */
  public Evaluation evaluate(ToolCall call, TaskUsage usage) throws PolicyEvaluationException {
    return evaluate(call, usage, Situation.NORMAL);
  }

  /**
   * Drops the session pool and removes this version's KieModule from the repository, once the
   * evaluations in flight have finished. Idempotent.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      release();
    }
  }

  /** True once closed; evaluations in flight may still be finishing. */
  public boolean isClosed() {
    return closed.get();
  }

  private boolean retain() {
    while (true) {
      int n = users.get();
      if (n == 0) {
        return false;
      }
      if (users.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  private void release() {
    if (users.decrementAndGet() == 0) {
      evaluator.close();
      compiled.dispose();
    }
  }

  /** For tests of hot reload: the KieModule identity of this version (group:artifact:version). */
  public String releaseIdForTests() {
    return compiled.releaseId().toExternalForm();
  }

  private static List<String> files(Map<String, byte[]> drl, Path override) {
    List<String> out = new ArrayList<>(drl.keySet());
    out.add(PolicyConfig.FILE_NAME);
    if (override != null) {
      out.add("override/" + override.getFileName());
    }
    return List.copyOf(out);
  }

  private static Map<String, byte[]> readDrl(Path rulesDir) throws PolicyException {
    Map<String, byte[]> out = new TreeMap<>();
    List<Path> files;
    try (Stream<Path> listing = Files.list(rulesDir)) {
      files = listing.filter(p -> p.getFileName().toString().endsWith(".drl")).toList();
    } catch (IOException e) {
      throw new PolicyException(
          new PolicyException.Problem(rulesDir.toString(), 0, "cannot list: " + e), e);
    }
    for (Path file : files) {
      out.put(file.getFileName().toString(), RuleCompiler.read(file));
    }
    if (out.isEmpty()) {
      throw new PolicyException(List.of(
          new PolicyException.Problem(rulesDir.toString(), 0, "no .drl files found")));
    }
    return out;
  }

  /** Each file contributes its name, a NUL, its length and its bytes: no two inputs collide. */
  private static String version(Map<String, byte[]> drl, Path baseConfig, Path override)
      throws PolicyException {
    Map<String, byte[]> files = new TreeMap<>(drl);
    files.put(baseConfig.getFileName().toString(), RuleCompiler.read(baseConfig));
    if (override != null) {
      // A separate key, so an override file that happens to be named veto.yaml still counts.
      files.put("override/" + override.getFileName(), RuleCompiler.read(override));
    }
    MessageDigest sha = sha256();
    files.forEach((name, bytes) -> {
      sha.update(name.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(Long.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
      sha.update((byte) 0);
      sha.update(bytes);
    });
    return "sha256:" + HexFormat.of().formatHex(sha.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** Rule names, and a problem for any rule in an agenda group that would never fire. */
  private static List<String> checkRules(KieBase kieBase) throws PolicyException {
    List<String> names = new ArrayList<>();
    List<PolicyException.Problem> problems = new ArrayList<>();
    for (KiePackage pkg : kieBase.getKiePackages()) {
      for (Rule rule : pkg.getRules()) {
        names.add(rule.getName());
        String group = Evaluator.agendaGroup(rule);
        if (!Evaluator.MAIN.equals(group) && !Evaluator.CLASSIFY.equals(group)) {
          problems.add(new PolicyException.Problem(sourceOf(rule), 0, "rule '" + rule.getName()
              + "' is in ruleflow-group '" + group + "'; only 'classify' and MAIN (none) fire"));
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new PolicyException(problems);
    }
    names.sort(null);
    return List.copyOf(names);
  }

  private static String sourceOf(Rule rule) {
    var resource = ((org.drools.base.definitions.rule.impl.RuleImpl) rule).getResource();
    String path = resource == null ? null : resource.getSourcePath();
    return path == null ? "(policy)" : path.substring(path.lastIndexOf('/') + 1);
  }
}
