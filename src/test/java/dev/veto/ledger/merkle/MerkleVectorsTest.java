package dev.veto.ledger.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.veto.json.Json;
import dev.veto.testing.SharedFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every inclusion and consistency case from transparency-dev/merkle testdata (shared/vectors):
 * wantErr false must verify, wantErr true must throw {@link MerkleProofException}.
 */
class MerkleVectorsTest {

  // Counted once from the vector folders; a change means the vectors changed, not the code.
  private static final int INCLUSION_CASES = 98;
  private static final int CONSISTENCY_CASES = 98;

  @TestFactory
  List<DynamicTest> inclusionCases() {
    List<DynamicTest> tests = cases("inclusion", MerkleVectorsTest::inclusionCall);
    assertThat(tests).hasSize(INCLUSION_CASES);
    return tests;
  }

  @TestFactory
  List<DynamicTest> consistencyCases() {
    List<DynamicTest> tests = cases("consistency", MerkleVectorsTest::consistencyCall);
    assertThat(tests).hasSize(CONSISTENCY_CASES);
    return tests;
  }

  private interface CallFactory {
    ThrowingCallable call(JsonNode vector);
  }

  private static List<DynamicTest> cases(String kind, CallFactory factory) {
    Path folder = SharedFiles.vectors("merkle", kind);
    List<DynamicTest> tests = new ArrayList<>();
    for (Path file : jsonFiles(folder)) {
      JsonNode vector = read(file);
      String name = folder.relativize(file) + " (" + vector.get("desc").asText() + ")";
      boolean wantErr = vector.get("wantErr").asBoolean();
      ThrowingCallable call = factory.call(vector);
      tests.add(DynamicTest.dynamicTest(name, () -> check(call, wantErr)));
    }
    return tests;
  }

  private static void check(ThrowingCallable call, boolean wantErr) {
    if (wantErr) {
      assertThatThrownBy(call).isInstanceOf(MerkleProofException.class);
    } else {
      assertThatCode(call).doesNotThrowAnyException();
    }
  }

  private static ThrowingCallable inclusionCall(JsonNode v) {
    return () -> MerkleVerifier.verifyInclusion(v.get("leafIdx").asLong(),
        v.get("treeSize").asLong(), bytes(v, "leafHash"), proof(v), bytes(v, "root"));
  }

  private static ThrowingCallable consistencyCall(JsonNode v) {
    return () -> MerkleVerifier.verifyConsistency(v.get("size1").asLong(),
        v.get("size2").asLong(), bytes(v, "root1"), bytes(v, "root2"), proof(v));
  }

  private static byte[] bytes(JsonNode vector, String field) {
    return Base64.getDecoder().decode(vector.get(field).asText());
  }

  // The Go encoder writes a nil slice as null; it means an empty proof.
  private static List<byte[]> proof(JsonNode vector) {
    List<byte[]> proof = new ArrayList<>();
    JsonNode node = vector.get("proof");
    if (node != null && !node.isNull()) {
      node.forEach(e -> proof.add(Base64.getDecoder().decode(e.asText())));
    }
    return proof;
  }

  private static List<Path> jsonFiles(Path folder) {
    try (Stream<Path> files = Files.walk(folder)) {
      return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode read(Path file) {
    try {
      return Json.MAPPER.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
