package dev.veto.cli;

import static dev.veto.cli.CliRun.veto;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.veto.crypto.KeyFiles;
import dev.veto.ledger.BlobStore;
import dev.veto.ledger.Ledger;
import dev.veto.ledger.LedgerOptions;
import dev.veto.testing.Proposals;
import dev.veto.testing.VetoFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The auditor's commands end to end, as a person runs them: serve, rotate the key, serve
 * again, verify, export a bundle and verify it, check receipts and checkpoints offline.
 */
class AuditorCliTest {

  @TempDir
  Path data;

  @TempDir
  Path saved;

  // Entry 1 of every ledger here is the first start's policy_loaded entry.

  @Test
  void rotation_endToEnd_verifyFollowsTheChain_andRejectsTheOldKeyAfterIt() throws Exception {
    try (VetoFixture veto = VetoFixture.start(data)) {
      decide(veto, 3);
      veto.post("/v1/ledger/checkpoint", "");
    }
    Path oldKey = saved.resolve("old-signing-key.pem");
    Files.copy(data.resolve("keys/signing-key.pem"), oldKey);

    CliRun rotated = veto("keygen", "--rotate", "--data", data.toString());

    assertThat(rotated.code()).as(rotated.err()).isZero();
    assertThat(rotated.out()).contains("rotated:").doesNotContain("PRIVATE KEY");
    assertThat(Files.exists(data.resolve("keys/genesis-key.pub.pem"))).isTrue();
    try (VetoFixture veto = VetoFixture.start(data)) {
      decide(veto, 2);
      veto.post("/v1/ledger/checkpoint", "");
      assertThat(veto.get("/v1/keys").json().path("keys")).hasSize(2);
    }

    CliRun verified = veto("verify", "--data", data.toString());
    assertThat(verified.code()).as(verified.out()).isZero();
    assertThat(verified.out()).contains("verified 10 entries").contains(", then ");

    // The current key alone is not the start of the chain.
    CliRun withNewKey = veto("verify", "--data", data.toString(), "--key",
        data.resolve("keys/signing-key.pub.pem").toString());
    assertThat(withNewKey.code()).isEqualTo(Main.EXIT_DAMAGED);

    // The server refuses to start with the old key put back.
    Path current = data.resolve("keys/signing-key.pem");
    Files.copy(oldKey, current, StandardCopyOption.REPLACE_EXISTING);
    Files.delete(data.resolve("keys/signing-key.pub.pem"));
    Throwable refused = catchThrowable(() -> VetoFixture.start(data));
    assertThat(refused).rootCause().hasMessageContaining("is not the key in force")
        .hasMessageNotContaining("\n");

    // An entry the old key signs after the rotation is rejected by verify.
    try (Ledger ledger = Ledger.open(data, KeyFiles.readPrivate(current), Clock.systemUTC(),
        LedgerOptions.defaults())) {
      ledger.append("decision", dev.veto.json.Json.MAPPER.createObjectNode().put("n", 1))
          .join();
    }
    CliRun stale = veto("verify", "--data", data.toString());
    assertThat(stale.code()).isEqualTo(Main.EXIT_DAMAGED);
    assertThat(stale.out()).contains("entry 11").contains("not in force");
  }

  @Test
  void export_thenVerifyBundle_onAnotherMachine_andATamperedBundleFails() throws Exception {
    try (VetoFixture veto = VetoFixture.start(data)) {
      decide(veto, 6);
      veto.post("/v1/ledger/checkpoint", "");
    }
    Path bundle = saved.resolve("bundle.json");
    Path key = saved.resolve("auditor.pub.pem");
    Files.copy(data.resolve("keys/signing-key.pub.pem"), key);

    CliRun export = veto("export", "--data", data.toString(), "--from", "2", "--to", "5",
        "--out", bundle.toString());
    CliRun ok = veto("verify", "--bundle", bundle.toString(), "--key", key.toString());
    byte[] bytes = Files.readAllBytes(bundle);
    bytes[bytes.length / 2] ^= 4;
    Files.write(bundle, bytes);
    CliRun bad = veto("verify", "--bundle", bundle.toString(), "--key", key.toString());
    CliRun beyond = veto("export", "--data", data.toString(), "--from", "2", "--to", "8",
        "--out", saved.resolve("other.json").toString());

    assertThat(export.code()).as(export.err()).isZero();
    assertThat(ok.code()).as(ok.out()).isZero();
    assertThat(ok.out()).contains("entries 2..5").contains("checkpoint of 7 entries");
    assertThat(bad.code()).isEqualTo(Main.EXIT_DAMAGED);
    assertThat(bad.out()).startsWith("DAMAGED: bundle");
    assertThat(beyond.code()).isEqualTo(Main.EXIT_USAGE);
    assertThat(beyond.err()).contains("no checkpoint covers entry 8");
  }

  @Test
  void receiptAndCheckpoints_areCheckedOfflineFromSavedAnswers() throws Exception {
    Path key = saved.resolve("auditor.pub.pem");
    try (VetoFixture veto = VetoFixture.start(data)) {
      Files.copy(data.resolve("keys/signing-key.pub.pem"), key);
      String receipt = veto.decide(Proposals.of("get_user_details")).body();
      decide(veto, 2);
      String older = veto.post("/v1/ledger/checkpoint", "").body();
      decide(veto, 2);
      String newer = veto.post("/v1/ledger/checkpoint", "").body();
      save("receipt.json", receipt);
      save("old.json", older);
      save("new.json", newer);
      save("inclusion.json", veto.get("/v1/ledger/proof/inclusion?seq=2&size=4").body());
      save("consistency.json", veto.get("/v1/ledger/proof/consistency?from=4&to=7").body());
      save("wrong.json", veto.get("/v1/ledger/proof/inclusion?seq=3&size=4").body());
    }

    CliRun included = veto("verify-receipt", "--receipt", file("receipt.json"), "--proof",
        file("inclusion.json"), "--checkpoint", file("old.json"), "--key", key.toString());
    CliRun consistent = veto("verify-consistency", "--old", file("old.json"), "--new",
        file("new.json"), "--proof", file("consistency.json"), "--key", key.toString());
    CliRun wrongProof = veto("verify-receipt", "--receipt", file("receipt.json"), "--proof",
        file("wrong.json"), "--checkpoint", file("old.json"), "--key", key.toString());
    CliRun swapped = veto("verify-consistency", "--old", file("new.json"), "--new",
        file("old.json"), "--proof", file("consistency.json"), "--key", key.toString());

    assertThat(included.code()).as(included.out()).isZero();
    assertThat(included.out()).contains("checkpoint of 4 entries");
    assertThat(consistent.code()).as(consistent.out()).isZero();
    assertThat(wrongProof.code()).isEqualTo(Main.EXIT_DAMAGED);
    assertThat(swapped.code()).isEqualTo(Main.EXIT_DAMAGED);
  }

  @Test
  void payloads_contextAndResponseAreBlobs_alteredIsDamage_missingIsReportedApart()
      throws Exception {
    String contextName;
    String responseName;
    try (VetoFixture veto = VetoFixture.start(data)) {
      var proposal = Proposals.of("get_user_details");
      proposal.putObject("context").put("model_output", "call get_user_details");
      String decisionId = veto.decide(proposal).json().path("decision_id").asText();
      var reply = veto.post("/v1/outcomes", "{\"decision_id\":\"" + decisionId
          + "\",\"status\":\"succeeded\",\"response\":{\"name\":\"Ada\"}}");
      assertThat(reply.status()).as(reply.body()).isEqualTo(200);
      long seq = reply.json().path("receipt").path("seq").asLong();
      String line = veto.get("/v1/ledger/entries?from=" + seq).json().path("entries").get(0)
          .asText();
      responseName = BlobStore.sha256Hex("{\"name\":\"Ada\"}".getBytes());
      contextName = BlobStore.sha256Hex(
          "{\"model_output\":\"call get_user_details\"}".getBytes());
      assertThat(line).contains("\"response_sha256\":\"" + responseName + "\"")
          .doesNotContain("Ada");
    }
    Path blobs = data.resolve("blobs/sha256");
    Path context = blobs.resolve(contextName.substring(0, 2)).resolve(contextName);
    Path response = blobs.resolve(responseName.substring(0, 2)).resolve(responseName);

    CliRun intact = veto("verify", "--data", data.toString());
    Files.delete(context);
    CliRun missing = veto("verify", "--data", data.toString());
    Files.writeString(response, "{\"name\":\"Eve\"}");
    CliRun altered = veto("verify", "--data", data.toString());

    assertThat(intact.code()).isZero();
    assertThat(intact.out()).contains("payloads: 2 referenced, 0 altered, 0 missing");
    assertThat(missing.code()).isZero();
    assertThat(missing.out()).contains("MISSING: payload " + contextName);
    assertThat(altered.code()).isEqualTo(Main.EXIT_DAMAGED);
    assertThat(altered.out()).contains("DAMAGED: payload " + responseName)
        .contains("MISSING: payload " + contextName);
  }

  @Test
  void serve_refusesAPrivateKeyGroupCanRead_withOneLine() throws Exception {
    try (VetoFixture veto = VetoFixture.start(data)) {
      decide(veto, 1);
    }
    Files.setPosixFilePermissions(data.resolve("keys/signing-key.pem"),
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));

    Throwable refused = catchThrowable(() -> VetoFixture.start(data));

    assertThat(refused).rootCause().hasMessageContaining("chmod 600")
        .hasMessageNotContaining("\n").hasMessageNotContaining("PRIVATE KEY");
  }

  private void save(String name, String text) throws Exception {
    Files.writeString(saved.resolve(name), text);
  }

  private String file(String name) {
    return saved.resolve(name).toString();
  }

  private static void decide(VetoFixture veto, int count) {
    for (int i = 0; i < count; i++) {
      assertThat(veto.decide(Proposals.of("get_user_details")).status()).isEqualTo(200);
    }
  }


}
