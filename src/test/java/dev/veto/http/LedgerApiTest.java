package dev.veto.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veto.crypto.KeyFiles;
import dev.veto.crypto.VerifyingKey;
import dev.veto.ledger.AuditReport;
import dev.veto.ledger.BlobStore;
import dev.veto.ledger.Checkpoints;
import dev.veto.ledger.LedgerVerifier;
import dev.veto.ledger.merkle.MerkleVerifier;
import dev.veto.testing.Proposals;
import dev.veto.testing.VetoFixture;
import dev.veto.testing.VetoFixture.Reply;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The auditor's endpoints over real HTTP, against a real ledger; proofs checked offline. */
class LedgerApiTest {

  private static final HexFormat HEX = HexFormat.of();

  @TempDir
  Path data;

  private VetoFixture veto;

  @BeforeEach
  void start() {
    veto = VetoFixture.start(data);
    for (int i = 0; i < 5; i++) {
      assertThat(veto.decide(Proposals.of("get_user_details")).status()).isEqualTo(200);
    }
  }

  @AfterEach
  void stop() {
    veto.close();
  }

  @Test
  void checkpoint_beforeAnyIs404_thenPostMakesOneThatGetReturns() throws Exception {
    assertError(veto.get("/v1/ledger/checkpoint"), 404, "no_checkpoint", null);

    Reply made = veto.post("/v1/ledger/checkpoint", "");
    Reply got = veto.get("/v1/ledger/checkpoint");

    assertThat(made.status()).isEqualTo(200);
    assertThat(got.json()).isEqualTo(made.json());
    JsonNode body = got.json();
    // The start's policy_loaded entry and five decisions.
    assertThat(body.path("size").asLong()).isEqualTo(6);
    assertThat(body.path("entry").path("seq").asLong()).isEqualTo(7);
    Checkpoints.Checkpoint note = Checkpoints.verify(body.path("note").asText(),
        body.path("origin").asText(), publicKey());
    assertThat(HEX.formatHex(note.root())).isEqualTo(body.path("root_hash").asText());
  }

  @Test
  void inclusionProof_verifiesAgainstTheCheckpointRoot() throws Exception {
    JsonNode checkpoint = veto.post("/v1/ledger/checkpoint", "").json();

    JsonNode proof = veto.get("/v1/ledger/proof/inclusion?seq=3&size=6").json();

    MerkleVerifier.verifyInclusion(2, 6, HEX.parseHex(proof.path("leaf_hash").asText()),
        hashes(proof.path("proof")), HEX.parseHex(checkpoint.path("root_hash").asText()));
  }

  @Test
  void consistencyProof_tiesAnOlderCheckpointToANewerOne() throws Exception {
    JsonNode older = veto.post("/v1/ledger/checkpoint", "").json();
    veto.decide(Proposals.of("get_user_details"));
    JsonNode newer = veto.post("/v1/ledger/checkpoint", "").json();

    long from = older.path("size").asLong();
    long to = newer.path("size").asLong();
    JsonNode proof = veto.get("/v1/ledger/proof/consistency?from=" + from + "&to=" + to)
        .json();

    assertThat(to).isEqualTo(8);
    MerkleVerifier.verifyConsistency(from, to, HEX.parseHex(older.path("root_hash").asText()),
        HEX.parseHex(newer.path("root_hash").asText()), hashes(proof.path("proof")));
  }

  @Test
  void entries_areTheExactLedgerLines_pagedByFromAndLimit() throws Exception {
    JsonNode page = veto.get("/v1/ledger/entries?from=2&limit=3").json();

    List<String> lines = java.nio.file.Files.readAllLines(data.resolve("ledger.jsonl"));
    assertThat(page.path("entries")).hasSize(3);
    for (int i = 0; i < 3; i++) {
      assertThat(page.path("entries").get(i).asText()).isEqualTo(lines.get(i + 1));
    }
    assertThat(page.path("next").asLong()).isEqualTo(5);
    JsonNode all = veto.get("/v1/ledger/entries").json();
    assertThat(all.path("entries")).hasSize(6);
    assertThat(all.path("next").isNull()).isTrue();
  }

  @Test
  void keys_listTheKeyInForceWithItsPeriod() throws Exception {
    JsonNode keys = veto.get("/v1/keys").json().path("keys");

    assertThat(keys).hasSize(1);
    assertThat(keys.get(0).path("key_id").asText()).isEqualTo(publicKey().keyId());
    assertThat(keys.get(0).path("from_seq").asLong()).isEqualTo(1);
    assertThat(keys.get(0).path("to_seq").isNull()).isTrue();
    assertThat(keys.get(0).path("in_force").asBoolean()).isTrue();
  }

  @Test
  void context_isStoredAsABlob_andErasureIsAnEntryThatVerifyAccepts() throws Exception {
    ObjectNode proposal = Proposals.of("get_user_details");
    proposal.putObject("context").put("user_input", "my card is 4111 1111 1111 1111");
    JsonNode decided = veto.decide(proposal).json();
    long seq = decided.path("receipt").path("seq").asLong();
    String line = veto.get("/v1/ledger/entries?from=" + seq + "&limit=1").json()
        .path("entries").get(0).asText();
    assertThat(line).doesNotContain("4111").contains("context_sha256");
    String sha256 = BlobStore.sha256Hex(
        "{\"user_input\":\"my card is 4111 1111 1111 1111\"}".getBytes());
    assertThat(line).contains(sha256);
    assertThat(BlobStore.of(data).contains(sha256)).isTrue();

    Reply erased = veto.post("/v1/blobs/" + sha256 + "/erase", "");

    assertThat(erased.status()).isEqualTo(200);
    assertThat(BlobStore.of(data).contains(sha256)).isFalse();
    assertError(veto.post("/v1/blobs/" + sha256 + "/erase", ""), 404, "unknown_blob",
        "sha256");
    AuditReport audit = LedgerVerifier.audit(data, publicKey(), BlobStore.of(data), null);
    assertThat(audit.ok()).isTrue();
    assertThat(audit.blobs().erased()).containsExactly(sha256);
    assertThat(audit.blobs().missing()).isEmpty();
  }

  @Test
  void context_thatCannotBeStored_failsClosed_andNothingIsRecorded() throws Exception {
    ObjectNode proposal = Proposals.of("get_user_details");
    proposal.putObject("context").put("user_input", "unstorable");
    String sha256 = BlobStore.sha256Hex("{\"user_input\":\"unstorable\"}".getBytes());
    // A file where the blob's folder must go: the store cannot write (root ignores modes).
    Path folder = data.resolve("blobs/sha256").resolve(sha256.substring(0, 2));
    java.nio.file.Files.createDirectories(folder.getParent());
    java.nio.file.Files.writeString(folder, "in the way");
    long before = veto.ledgerSeq();

    Reply reply = veto.decide(proposal);

    assertThat(reply.status()).isEqualTo(503);
    assertThat(reply.json().path("verdict").asText()).isEqualTo("refuse");
    assertThat(veto.ledgerSeq()).isEqualTo(before);
  }

  @Test
  void badParameters_are400JsonNamingTheParameter_andBeyondTheLedgerIs404() {
    assertError(veto.get("/v1/ledger/proof/inclusion"), 400, "missing_field", "seq");
    assertError(veto.get("/v1/ledger/proof/inclusion?seq=abc"), 400, "invalid_field", "seq");
    assertError(veto.get("/v1/ledger/proof/inclusion?seq=-1"), 400, "invalid_field", "seq");
    assertError(veto.get("/v1/ledger/proof/inclusion?seq=0"), 400, "invalid_field", "seq");
    assertError(veto.get("/v1/ledger/proof/inclusion?seq=3&size=2"), 400, "invalid_field",
        "size");
    assertError(veto.get("/v1/ledger/proof/inclusion?seq=1&seq=2"), 400, "invalid_field",
        "seq");
    assertError(veto.get("/v1/ledger/proof/inclusion?seq=99999999999999999999"), 400,
        "invalid_field", "seq");
    assertError(veto.get("/v1/ledger/proof/inclusion?seq=9"), 404, "unknown_seq", "seq");
    assertError(veto.get("/v1/ledger/proof/inclusion?seq=2&size=9"), 404, "unknown_seq",
        "size");
    assertError(veto.get("/v1/ledger/proof/consistency"), 400, "missing_field", "from");
    assertError(veto.get("/v1/ledger/proof/consistency?from=0&to=3"), 400, "invalid_field",
        "from");
    assertError(veto.get("/v1/ledger/proof/consistency?from=3&to=2"), 400, "invalid_field",
        "to");
    assertError(veto.get("/v1/ledger/proof/consistency?from=1&to=x"), 400, "invalid_field",
        "to");
    assertError(veto.get("/v1/ledger/proof/consistency?from=2&to=50"), 404, "unknown_seq",
        "to");
    assertError(veto.get("/v1/ledger/entries?from=0"), 400, "invalid_field", "from");
    assertError(veto.get("/v1/ledger/entries?limit=0"), 400, "invalid_field", "limit");
    assertError(veto.get("/v1/ledger/entries?limit=1001"), 400, "invalid_field", "limit");
    assertError(veto.get("/v1/ledger/entries?from=77"), 404, "unknown_seq", "from");
    assertError(veto.post("/v1/blobs/XYZ/erase", ""), 400, "invalid_field", "sha256");
    assertError(veto.post("/v1/blobs/" + "0".repeat(64) + "/erase", ""), 404,
        "unknown_blob", "sha256");
  }

  private static void assertError(Reply reply, int status, String code, String field) {
    assertThat(reply.status()).as(reply.body()).isEqualTo(status);
    JsonNode body = reply.json();
    assertThat(body.path("code").asText()).isEqualTo(code);
    assertThat(body.path("message").asText()).isNotBlank().doesNotContain("Exception");
    if (field != null) {
      assertThat(body.path("field").asText()).isEqualTo(field);
    }
  }

  private VerifyingKey publicKey() throws Exception {
    return KeyFiles.readPublic(KeyFiles.publicKeyPath(data));
  }

  private static List<byte[]> hashes(JsonNode array) {
    List<byte[]> hashes = new ArrayList<>();
    array.forEach(hash -> hashes.add(HEX.parseHex(hash.asText())));
    return hashes;
  }
}
