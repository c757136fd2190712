package dev.veto.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

/**
 * The console format (src/main/resources/logback.xml) keeps one event on one line, whatever
 * line breaks its message, its fields or its exception carry: a log reader splits on lines.
 */
class ConsoleLogTest {

  @Test
  void shouldKeepAnEventWithLineBreaksOnOneLine() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    @SuppressWarnings("unchecked")
    Encoder<ch.qos.logback.classic.spi.ILoggingEvent> encoder =
        ((OutputStreamAppender<ch.qos.logback.classic.spi.ILoggingEvent>)
            root.getAppender("console")).getEncoder();

    LoggingEvent event = new LoggingEvent(Logger.FQCN, context.getLogger("dev.veto.Probe"),
        Level.WARN, "snapshot not written\nsecond line", new IOException("disk\nfull"), null);
    event.addKeyValuePair(new KeyValuePair("error", "java.io.IOException: a\r\nb"));
    String line = new String(encoder.encode(event), StandardCharsets.UTF_8);

    assertThat(line).endsWith("\n");
    assertThat(line.substring(0, line.length() - 1)).doesNotContain("\n").doesNotContain("\r")
        .contains("msg=\"snapshot not written | second line\"")
        .contains("error=\"java.io.IOException: a | b\"")
        .contains("disk | full");
  }

  @Test
  void shouldEscapeQuotesSoThatAValueCannotForgeAField() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    LoggingEvent event = new LoggingEvent(Logger.FQCN, context.getLogger("dev.veto.Probe"),
        Level.INFO, "incident \"quoted\"", null, null);
    event.addKeyValuePair(new KeyValuePair("task_id",
        "evil\" level=ERROR logger=Forged msg=\"forged event"));
    event.addKeyValuePair(new KeyValuePair("path", "C:\\tmp\tx\u2028y\u0085z"));

    String line = new String(consoleEncoder(context).encode(event), StandardCharsets.UTF_8);

    assertThat(line).contains("msg=\"incident \\\"quoted\\\"\"")
        .contains("task_id=\"evil\\\" level=ERROR logger=Forged msg=\\\"forged event\"")
        .contains("path=\"C:\\\\tmp\\u0009x\\u2028y\\u0085z\"");
    // Read as logfmt, the line has the fields the event has, and no others.
    String quoted = "\"(?:[^\"\\\\]|\\\\.)*\"";
    assertThat(line.strip()).matches("\\S+ level=INFO logger=Probe msg=" + quoted
        + " task_id=" + quoted + " path=" + quoted);
  }

  @SuppressWarnings("unchecked")
  private static Encoder<ch.qos.logback.classic.spi.ILoggingEvent> consoleEncoder(
      LoggerContext context) {
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    return ((OutputStreamAppender<ch.qos.logback.classic.spi.ILoggingEvent>)
        root.getAppender("console")).getEncoder();
  }
}
