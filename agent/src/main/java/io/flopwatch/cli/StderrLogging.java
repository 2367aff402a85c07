package io.flopwatch.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * flopwatch's own diagnostics, configured in code: one line per event on stderr (journald keeps
 * them apart from the metric log lines on stdout), {@code HH:mm:ss.SSS LEVEL [thread] Logger: message},
 * level {@code FLOPWATCH_LOG_LEVEL} (default INFO). Logback finds this class through
 * {@code META-INF/services/ch.qos.logback.classic.spi.Configurator} before it looks for a
 * {@code logback.xml}.
 *
 * <p>Why not a logback.xml: reading one loads logback's XML configurator (Joran), the JDK's
 * XML parser and PatternLayout's table of converters, about 800 classes and a third of a second
 * of start-up, to set up one appender (docs/BENCHMARKS.md, section 5). An operator's own file
 * still wins: with {@code -Dlogback.configurationFile=…} this configurator steps aside.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class StderrLogging extends ContextAwareBase implements Configurator {

    /** Environment variable (or system property) with the root level; logback's names, case-insensitive. */
    static final String LEVEL_VARIABLE = "FLOPWATCH_LOG_LEVEL";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        LineLayout layout = new LineLayout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName("STDERR");
        appender.setTarget("System.err");
        appender.setEncoder(encoder);
        appender.start();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(rootLevel(System.getProperty(LEVEL_VARIABLE, System.getenv(LEVEL_VARIABLE))));
        root.addAppender(appender);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /**
     * The root level for a {@code FLOPWATCH_LOG_LEVEL} value: INFO when unset, and, as logback's
     * XML configuration reads {@code <root level="…">}, DEBUG for a name it does not know.
     */
    static Level rootLevel(String value) {
        return value == null || value.isBlank() ? Level.INFO : Level.toLevel(value.trim(), Level.DEBUG);
    }

    /** {@code %d{HH:mm:ss.SSS} %-5level [%thread] %logger{0}: %msg%n} and the stack trace, without a pattern parser. */
    static final class LineLayout extends LayoutBase<ILoggingEvent> {
        private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
        private final ZoneId zone = ZoneId.systemDefault();

        @Override
        public String doLayout(ILoggingEvent event) {
            StringBuilder b = new StringBuilder(128);
            TIME.formatTo(Instant.ofEpochMilli(event.getTimeStamp()).atZone(zone), b);
            b.append(' ');
            String level = event.getLevel().toString();
            b.append(level);
            for (int i = level.length(); i < 5; i++) {
                b.append(' ');
            }
            b.append(" [").append(event.getThreadName()).append("] ");
            String logger = event.getLoggerName();
            b.append(logger, logger.lastIndexOf('.') + 1, logger.length()).append(": ");
            b.append(event.getFormattedMessage()).append(CoreConstants.LINE_SEPARATOR);
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) {
                b.append(ThrowableProxyUtil.asString(thrown)).append(CoreConstants.LINE_SEPARATOR);
            }
            return b.toString();
        }
    }
}
