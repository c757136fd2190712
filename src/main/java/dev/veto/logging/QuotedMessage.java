package dev.veto.logging;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/** {@code %quotedMsg}: the event's message in quotes, escaped (see {@link LogText}). */
public final class QuotedMessage extends ClassicConverter {

  @Override
  public String convert(ILoggingEvent event) {
    StringBuilder out = new StringBuilder(64);
    LogText.appendQuoted(String.valueOf(event.getFormattedMessage()), out);
    return out.toString();
  }
}
