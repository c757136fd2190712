package dev.veto.logging;

/**
 * Escapes text for the console log's quoted values, so that a value (a task id a caller
 * sent, an exception's message) can neither close its quotes and forge a field nor start a
 * new line and forge an event: {@code \} and {@code "} get a backslash, a run of line breaks
 * becomes {@code " | "}, other control characters and the Unicode line and paragraph
 * separators (U+0085, U+2028, U+2029: line ends to some readers) become
 * {@code \}{@code uXXXX}.
 */
final class LogText {

  private LogText() {}

  static void appendQuoted(CharSequence text, StringBuilder out) {
    out.append('"');
    boolean inBreak = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\r' || c == '\n') {
        if (!inBreak) {
          out.append(" | ");
        }
        inBreak = true;
        continue;
      }
      inBreak = false;
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029') {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    out.append('"');
  }
}
