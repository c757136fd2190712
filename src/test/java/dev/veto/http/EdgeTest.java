package dev.veto.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veto.server.ServerConfig;
import dev.veto.testing.Proposals;
import dev.veto.testing.VetoFixture;
import dev.veto.testing.VetoFixture.Reply;
import io.vertx.core.net.SelfSignedCertificate;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the HTTP edge adds: HTTPS from PEM files and a per-agent rate limit. */
class EdgeTest {

  @TempDir
  Path data;

  @Test
  void shouldAnswer429WithRetryAfterToAnAgentOverItsRateOnly() {
    try (VetoFixture veto = VetoFixture.builder(data)
        .edge(new ServerConfig.Edge(null, null, 5)).start()) {
      List<Reply> burst = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        burst.add(veto.decide(Proposals.of("t-rate", "get_user_details")));
      }

      List<Reply> limited = burst.stream().filter(r -> r.status() == 429).toList();
      assertThat(limited).isNotEmpty();
      assertThat(burst.stream().filter(r -> r.status() == 200)).isNotEmpty();
      Reply one = limited.get(0);
      assertThat(one.header("retry-after")).isEqualTo("1");
      assertThat(one.json().path("code").asText()).isEqualTo("rate_limited");
      assertThat(one.json().path("verdict").asText()).isEqualTo("refuse");

      var other = Proposals.of("t-rate-2", "get_user_details");
      other.put("agent_id", "another-agent");
      assertThat(veto.decide(other).status()).isEqualTo(200);
      // One entry per answered proposal, after the policy_loaded entry of the start.
      long recorded = burst.stream().filter(r -> r.status() == 200).count() + 1;
      assertThat(veto.ledgerSeq()).isEqualTo(1 + recorded);
    }
  }

  @Test
  void shouldServeHttpsFromPemFiles() throws Exception {
    SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    Path cert = Path.of(certificate.certificatePath());
    Path key = Path.of(certificate.privateKeyPath());
    ServerConfig.Edge tls = new ServerConfig.Edge(cert, key, 0);

    try (VetoFixture veto = VetoFixture.builder(data).edge(tls).start()) {
      HttpClient client = HttpClient.newBuilder().sslContext(trusting(cert)).build();
      URI health = URI.create("https://localhost:" + veto.port() + "/health");

      HttpResponse<String> reply = client.send(HttpRequest.newBuilder(health).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(reply.statusCode()).isEqualTo(200);
      assertThat(reply.body()).contains("\"status\":\"ok\"");
    } finally {
      certificate.delete();
    }
  }

  /** A client that trusts exactly this certificate, as a deployment's clients would. */
  private static SSLContext trusting(Path cert) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(cert)) {
      store.setCertificateEntry("veto",
          CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }
}
