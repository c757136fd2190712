package dev.veto.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.veto.testing.VetoFixture;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The public files: the OpenAPI document and the approval page with its strict CSP. */
class WebApiTest {

  @TempDir
  static Path folder;

  private static VetoFixture veto;
  // HTTP/1.1, as a browser speaks to an http:// origin (no h2c upgrade).
  private static final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() {
    veto = VetoFixture.start(folder.resolve("data"));
  }

  @AfterAll
  static void stop() {
    veto.close();
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(veto.uri(path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void shouldServeTheOpenApiDocumentAsYaml() throws Exception {
    HttpResponse<String> reply = get("/openapi.yaml");
    assertThat(reply.statusCode()).isEqualTo(200);
    assertThat(reply.headers().firstValue("content-type")).hasValueSatisfying(type ->
        assertThat(type).startsWith("application/yaml"));
    var document = new ObjectMapper(new YAMLFactory()).readTree(reply.body());
    assertThat(document.path("openapi").asText()).startsWith("3.");
    assertThat(document.path("paths").has("/v1/decide")).isTrue();
  }

  @Test
  void shouldServeThePageWithAStrictContentSecurityPolicy() throws Exception {
    for (String path : new String[] {"/ui", "/ui/", "/ui/app.js", "/ui/api.js",
        "/ui/style.css", "/ui/favicon.svg"}) {
      HttpResponse<String> reply = get(path);
      assertThat(reply.statusCode()).as(path).isEqualTo(200);
      assertThat(reply.headers().firstValue("content-security-policy")).as(path)
          .hasValue(WebApi.UI_POLICY);
      assertThat(reply.headers().firstValue("x-content-type-options")).hasValue("nosniff");
    }
    assertThat(get("/ui").body()).contains("<label for=\"token\"").doesNotContain("<script>");
    assertThat(get("/ui/app.js").headers().firstValue("content-type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/javascript"));
  }

  @Test
  void shouldAnswerUnknownPageFilesWithTheJsonNotFound() throws Exception {
    HttpResponse<String> reply = get("/ui/secrets.txt");
    assertThat(reply.statusCode()).isEqualTo(404);
    assertThat(reply.body()).contains("\"not_found\"");
  }
}
