package dev.veto.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Prints Veto and the peer side by side from DecideLoad's result lines: each one's peak
 * (closed loop) and its latency at 80% of that peak (constant rate), and Veto's ratio.
 *
 * <p>Usage: {@code BenchTable RESULTS_FILE}
 */
public final class BenchTable {

  private static final Pattern LINE = Pattern.compile("target=(\\w+) mode=([\\w-]+)"
      + " connections=(\\d+) .*throughput=(\\d+) p50=([\\d.]+) p99=([\\d.]+) p99.9=([\\d.]+)");

  private BenchTable() {}

  public static void main(String[] args) throws Exception {
    Map<String, String[]> rows = new LinkedHashMap<>();
    for (String line : Files.readAllLines(Path.of(args[0]))) {
      Matcher m = LINE.matcher(line);
      if (m.find()) {
        String kind = m.group(2).equals("closed") ? "peak" : "paced";
        rows.put(m.group(1) + "/" + kind + "/" + m.group(3),
            new String[] {m.group(4), m.group(5), m.group(6), m.group(7)});
      }
    }

    System.out.printf("%-5s | %-24s | %-24s | %s%n", "conns", "Veto peak/s, p99 at 80%",
        "Cerbos peak/s, p99 at 80%", "Veto / Cerbos throughput");
    for (String connections : new String[] {"1", "16", "64"}) {
      String[] veto = rows.get("veto/peak/" + connections);
      String[] cerbos = rows.get("cerbos/peak/" + connections);
      String[] vetoPaced = rows.get("veto/paced/" + connections);
      String[] cerbosPaced = rows.get("cerbos/paced/" + connections);
      if (veto == null || cerbos == null) {
        continue;
      }
      double ratio = Double.parseDouble(veto[0]) / Math.max(1, Double.parseDouble(cerbos[0]));
      System.out.printf("%-5s | %8s/s, p99 %8s ms | %8s/s, p99 %8s ms | %.2f%n", connections,
          veto[0], vetoPaced == null ? "-" : vetoPaced[2], cerbos[0],
          cerbosPaced == null ? "-" : cerbosPaced[2], ratio);
    }
  }
}
