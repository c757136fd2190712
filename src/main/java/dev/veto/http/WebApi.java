package dev.veto.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * What Veto serves outside {@code /v1}: the OpenAPI document and the approval page. Both are
 * public (the page holds no data; it calls the API with the token the person pastes).
 *
 * <p>The few files are read from the class path once, at start, and answered from memory:
 * Vert.x's StaticHandler would copy class-path files into a cache folder under the working
 * directory, which a read-only container root cannot offer.
 */
final class WebApi {

  /**
   * Only this origin's own files; no inline script or style, no framing, no form posts
   * elsewhere. The page's JavaScript talks to the API with fetch on the same origin.
   */
  static final String UI_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
      + " img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self';"
      + " frame-ancestors 'none'";

  private static final Map<String, String> UI_FILES = Map.of(
      "index.html", "text/html; charset=utf-8",
      "app.js", "text/javascript; charset=utf-8",
      "api.js", "text/javascript; charset=utf-8",
      "style.css", "text/css; charset=utf-8",
      "favicon.svg", "image/svg+xml");

  private final Buffer openapi = load("openapi.yaml");
  private final Map<String, Buffer> ui = Map.copyOf(UI_FILES.keySet().stream()
      .collect(java.util.stream.Collectors.toMap(name -> name, name -> load("ui/" + name))));

  void mount(Router router) {
    router.get("/openapi.yaml").handler(ctx -> ctx.response()
        .putHeader("content-type", "application/yaml; charset=utf-8")
        .putHeader("access-control-allow-origin", "*")
        .end(openapi));
    router.get("/ui").handler(ctx -> page(ctx, "index.html"));
    router.get("/ui/").handler(ctx -> page(ctx, "index.html"));
    router.get("/ui/:file").handler(ctx -> page(ctx, ctx.pathParam("file")));
  }

  private void page(RoutingContext ctx, String name) {
    Buffer body = ui.get(name);
    if (body == null) {
      ctx.fail(404);
      return;
    }
    ctx.response()
        .putHeader("content-type", UI_FILES.get(name))
        .putHeader("content-security-policy", UI_POLICY)
        .putHeader("x-content-type-options", "nosniff")
        .putHeader("referrer-policy", "no-referrer")
        .putHeader("cache-control", "no-cache")
        .end(body);
  }

  private static Buffer load(String resource) {
    try (InputStream in = WebApi.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource + " in the jar");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
