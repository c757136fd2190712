package dev.veto.json;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.veto.testing.SharedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** RFC 8785 vectors (cyberphone/json-canonicalization testdata) through Json.canonical. */
class CanonicalJsonTest {

  private static final Path JCS = SharedFiles.vectors("jcs");

  @Test
  void vectorFolder_holdsTheSixUpstreamCases() throws IOException {
    List<String> names = vectorNames();

    assertThat(names).containsExactlyInAnyOrder("arrays.json", "french.json",
        "structures.json", "unicode.json", "values.json", "weird.json");
  }

  @TestFactory
  Stream<DynamicTest> canonicalOfText_matchesExpectedOutputByteForByte() throws IOException {
    return vectorNames().stream().map(name -> DynamicTest.dynamicTest(name, () -> {
      String input = Files.readString(JCS.resolve("input").resolve(name), UTF_8);

      byte[] actual = Json.canonical(input).getBytes(UTF_8);

      assertThat(actual).isEqualTo(expected(name));
    }));
  }

  @TestFactory
  Stream<DynamicTest> canonicalOfTree_matchesExpectedOutputByteForByte() throws IOException {
    // The ledger canonicalises trees parsed by Json.MAPPER (BigDecimal floats, strict keys).
    return vectorNames().stream().map(name -> DynamicTest.dynamicTest(name, () -> {
      var tree = Json.MAPPER.readTree(JCS.resolve("input").resolve(name).toFile());

      byte[] actual = Json.canonical(tree);

      assertThat(actual).isEqualTo(expected(name));
    }));
  }

  @TestFactory
  Stream<DynamicTest> canonicalOfCanonical_isUnchanged() throws IOException {
    // The ledger verifier relies on this: a canonical line re-canonicalises to itself.
    return vectorNames().stream().map(name -> DynamicTest.dynamicTest(name, () -> {
      String canonical = new String(expected(name), UTF_8);

      String again = Json.canonical(canonical);

      assertThat(again).isEqualTo(canonical);
    }));
  }

  private static byte[] expected(String name) throws IOException {
    return Files.readAllBytes(JCS.resolve("output").resolve(name));
  }

  private static List<String> vectorNames() throws IOException {
    try (Stream<Path> files = Files.list(JCS.resolve("input"))) {
      return files.map(path -> path.getFileName().toString()).sorted().toList();
    }
  }
}
