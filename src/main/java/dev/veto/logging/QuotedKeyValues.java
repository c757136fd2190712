package dev.veto.logging;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.util.List;
import org.slf4j.event.KeyValuePair;

/**
 * {@code %quotedKvp}: the event's fields as {@code key="value"}, values escaped (see
 * {@link LogText}). Logback's own {@code %kvp} writes values as they are, so a task id
 * holding {@code " level=ERROR msg="} could forge fields on a terminal or in a grep.
 */
public final class QuotedKeyValues extends ClassicConverter {

  @Override
  public String convert(ILoggingEvent event) {
    List<KeyValuePair> pairs = event.getKeyValuePairs();
    if (pairs == null || pairs.isEmpty()) {
      return "";
    }

    StringBuilder out = new StringBuilder(128);
    for (KeyValuePair pair : pairs) {
      if (out.length() > 0) {
        out.append(' ');
      }
      out.append(pair.key).append('=');
      LogText.appendQuoted(String.valueOf(pair.value), out);
    }
    return out.toString();
  }
}
