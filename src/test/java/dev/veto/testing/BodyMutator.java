package dev.veto.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Breaks a valid JSON body in one random way: bytes cut, flipped or inserted, a value swapped
 * for another type, a key repeated, deep nesting, numbers with huge or tiny magnitudes,
 * invalid UTF-8, control characters, look-alike letters, empty and enormous bodies. Seeded by
 * the caller, so a failing case can be reproduced from its number.
 */
public final class BodyMutator {

  private static final String[] VALUES = {"null", "true", "-0", "1e308", "1e-400", "[]", "{}",
      "\"\"", "\"\\u0000\"", "\"\\ud800\"", "\"gеt_user_details\"", "99999999999999999999",
      "[[[[[[[[[[]]]]]]]]]]", "\"" + "x".repeat(300) + "\"", "NaN", "0x10", "'s'", "-",
      "1.5e99999", "\"\\u202e\"", "{\"a\":{\"b\":{\"c\":[1,{\"d\":null}]}}}"};
  private static final Pattern VALUE = Pattern.compile(
      "(?<=:)\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|-?[0-9][0-9.eE+-]*|true|false|null|\\[[^\\]]*\\]"
          + "|\\{[^{}]*\\})");
  private static final Pattern PAIR = Pattern.compile("\"[a-z_]+\":(\"[^\"]*\"|[0-9]+)");
  private static final byte[][] BAD_UTF8 = {{(byte) 0xC0, (byte) 0xAF}, {(byte) 0xFF},
      {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80,
          (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}};

  private BodyMutator() {}

  public static byte[] mutate(String valid, Random random) {
    byte[] bytes = valid.getBytes(StandardCharsets.UTF_8);
    return switch (random.nextInt(12)) {
      case 0 -> cut(bytes, random.nextInt(bytes.length));
      case 1 -> flip(bytes, random);
      case 2 -> insert(bytes, random.nextInt(bytes.length + 1),
          new byte[] {(byte) random.nextInt(256)});
      case 3 -> utf8(replaceValue(valid, VALUES[random.nextInt(VALUES.length)], random));
      case 4 -> utf8(repeatKey(valid, random));
      case 5 -> utf8(replaceValue(valid, nested(random), random));
      case 6 -> utf8(replaceValue(valid, hugeNumber(random), random));
      case 7 -> insert(bytes, insideAString(valid, random),
          BAD_UTF8[random.nextInt(BAD_UTF8.length)]);
      case 8 -> insert(bytes, insideAString(valid, random),
          new byte[] {(byte) random.nextInt(0x20)});
      case 9 -> utf8(valid.replaceFirst("[a-z]", lookAlike(random)));
      case 10 -> random.nextBoolean() ? new byte[0] : utf8(" \t\r\n ");
      default -> utf8(replaceValue(valid, "\"" + "y".repeat(size(random, 1_200_000)) + "\"",
          random));
    };
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] cut(byte[] bytes, int at) {
    byte[] shorter = new byte[at];
    System.arraycopy(bytes, 0, shorter, 0, at);
    return shorter;
  }

  private static byte[] flip(byte[] bytes, Random random) {
    byte[] copy = bytes.clone();
    copy[random.nextInt(copy.length)] ^= (byte) (1 << random.nextInt(8));
    return copy;
  }

  private static byte[] insert(byte[] bytes, int at, byte[] extra) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + extra.length);
    out.write(bytes, 0, at);
    out.write(extra, 0, extra.length);
    out.write(bytes, at, bytes.length - at);
    return out.toByteArray();
  }

  private static String replaceValue(String text, String replacement, Random random) {
    List<int[]> spans = new ArrayList<>();
    Matcher matcher = VALUE.matcher(text);
    while (matcher.find()) {
      spans.add(new int[] {matcher.start(1), matcher.end(1)});
    }
    if (spans.isEmpty()) {
      return text;
    }
    int[] span = spans.get(random.nextInt(spans.size()));
    return text.substring(0, span[0]) + replacement + text.substring(span[1]);
  }

  /** The same key twice in one object: two parsers must never read two different bodies. */
  private static String repeatKey(String text, Random random) {
    Matcher matcher = PAIR.matcher(text);
    List<String> pairs = new ArrayList<>();
    while (matcher.find()) {
      pairs.add(matcher.group());
    }
    if (pairs.isEmpty()) {
      return text + text;
    }
    String pair = pairs.get(random.nextInt(pairs.size()));
    String other = pair.replaceFirst(":.*$", ":\"other\"");
    return text.replaceFirst("\\}\\s*$", "," + Matcher.quoteReplacement(other) + "}");
  }

  private static String nested(Random random) {
    int depth = 1 + size(random, 50_000);
    return "[".repeat(depth) + "]".repeat(depth);
  }

  private static String hugeNumber(Random random) {
    return switch (random.nextInt(4)) {
      case 0 -> "1" + "0".repeat(size(random, 1_000_000));
      case 1 -> "1e-" + (1 + random.nextInt(999_999));
      case 2 -> "0." + "0".repeat(random.nextInt(5000)) + "1";
      default -> "-" + "9".repeat(1 + random.nextInt(400)) + "e" + random.nextInt(400);
    };
  }

  /** Mostly small, one time in twenty up to max: huge bodies are slow to send. */
  private static int size(Random random, int max) {
    return random.nextInt(20) == 0 ? random.nextInt(max) : random.nextInt(200);
  }

  private static int insideAString(String text, Random random) {
    List<Integer> quotes = new ArrayList<>();
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == '"') {
        quotes.add(i + 1);
      }
    }
    int at = quotes.isEmpty() ? 0 : quotes.get(random.nextInt(quotes.size()));
    return text.substring(0, at).getBytes(StandardCharsets.UTF_8).length;
  }

  private static String lookAlike(Random random) {
    String[] letters = {"а", "е", "о", "р", "с", "ѕ", "ı", "ɡ", "ａ", "ﬁ", "\u200b"};
    return letters[random.nextInt(letters.length)];
  }
}
