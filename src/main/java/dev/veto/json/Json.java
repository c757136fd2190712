package dev.veto.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.erdtman.jcs.JsonCanonicalizer;

/**
 * The one JSON configuration of Veto, and RFC 8785 canonical form.
 *
 * <p>Parsing is strict on purpose: a duplicate key is an error (two parsers reading the same
 * bytes must never see two different proposals), trailing tokens are an error, and nesting,
 * number length and string length are bounded so that a hostile body costs little to reject.
 * Floats are read as {@link java.math.BigDecimal} so that callers can check that a number is
 * exactly representable before it is canonicalised (RFC 8785 numbers are IEEE doubles).
 *
 * <p>Canonical form uses the erdtman JCS implementation (the reference Java one from the RFC
 * authors' site) rather than a home-made serialiser.
 */
public final class Json {

  /** Deepest nesting accepted anywhere in a request body. */
  public static final int MAX_NESTING_DEPTH = 32;

  /** Longest number literal accepted, in characters. */
  public static final int MAX_NUMBER_LENGTH = 64;

  /** Longest string accepted, in characters. */
  public static final int MAX_STRING_LENGTH = 1 << 20;

  public static final ObjectMapper MAPPER = createMapper();

  private Json() {}

  private static ObjectMapper createMapper() {
    StreamReadConstraints limits = StreamReadConstraints.builder()
        .maxNestingDepth(MAX_NESTING_DEPTH)
        .maxNumberLength(MAX_NUMBER_LENGTH)
        .maxStringLength(MAX_STRING_LENGTH)
        .build();
    JsonFactory factory = JsonFactory.builder()
        .streamReadConstraints(limits)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();
    return JsonMapper.builder(factory)
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .build();
  }

  /** RFC 8785 canonical UTF-8 bytes of a JSON tree. */
  public static byte[] canonical(JsonNode node) {
    try {
      String plain = MAPPER.writeValueAsString(node);
      return new JsonCanonicalizer(plain).getEncodedUTF8();
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot serialise JSON tree", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot canonicalise JSON", e);
    }
  }

  /** RFC 8785 canonical form of a JSON text. */
  public static String canonical(String json) throws IOException {
    return new JsonCanonicalizer(json).getEncodedString();
  }
}
