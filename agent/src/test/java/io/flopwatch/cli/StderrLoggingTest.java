package io.flopwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.time.LocalDateTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

/**
 * The diagnostics configured in code read as the logback.xml they replace did:
 * {@code %d{HH:mm:ss.SSS} %-5level [%thread] %logger{0}: %msg%n}, root level from
 * FLOPWATCH_LOG_LEVEL (default INFO).
 */
class StderrLoggingTest {

    @ParameterizedTest(name = "FLOPWATCH_LOG_LEVEL={0} -> {1}")
    @CsvSource(nullValues = "null", value = {
        "null, INFO",      // unset: the old ${FLOPWATCH_LOG_LEVEL:-INFO}
        "'', INFO",
        "debug, DEBUG",    // logback's Level.toLevel is case-insensitive
        "WARN, WARN",
        "' error ', ERROR",
        "off, OFF",
        "verbose, DEBUG",  // an unknown name: DEBUG, as <root level="verbose"> gave
    })
    void rootLevel(String value, String expected) {
        assertEquals(Level.toLevel(expected), StderrLogging.rootLevel(value));
    }

    @Test
    void oneLineInTheOldPattern() {
        LoggerContext context = new LoggerContext();
        StderrLogging.LineLayout layout = new StderrLogging.LineLayout();
        layout.setContext(context);
        layout.start();
        LoggingEvent e = new LoggingEvent("fqcn", context.getLogger("io.flopwatch.telemetry.Sampler"), Level.INFO,
                "NVML opened: {} GPUs", null, new Object[] {8});
        e.setThreadName("flopwatch-sampler");
        long millis = LocalDateTime.of(2026, 11, 29, 7, 5, 3, 42_000_000).atZone(ZoneId.systemDefault())
                .toInstant().toEpochMilli();
        e.setTimeStamp(millis);
        assertEquals("07:05:03.042 INFO  [flopwatch-sampler] Sampler: NVML opened: 8 GPUs" + System.lineSeparator(),
                layout.doLayout(e));
    }

    @Test
    void aThrowableFollowsItsLine() {
        LoggerContext context = new LoggerContext();
        StderrLogging.LineLayout layout = new StderrLogging.LineLayout();
        layout.setContext(context);
        layout.start();
        LoggingEvent e = new LoggingEvent("fqcn", context.getLogger("Daemon"), Level.ERROR, "reload failed",
                new IllegalStateException("boom"), null);
        e.setThreadName("main");
        String text = layout.doLayout(e);
        String[] lines = text.split(System.lineSeparator());
        assertTrue(lines[0].endsWith(" ERROR [main] Daemon: reload failed"), text);
        assertEquals("java.lang.IllegalStateException: boom", lines[1]);
        assertTrue(lines[2].startsWith("\tat io.flopwatch.cli.StderrLoggingTest."), text);
        assertTrue(text.endsWith(System.lineSeparator()), text);
    }

    @Test
    void theAgentsLoggingIsConfiguredByThisClass() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        assertTrue(root.getAppender("STDERR") != null, "no STDERR appender: the service file was not found");
    }
}
