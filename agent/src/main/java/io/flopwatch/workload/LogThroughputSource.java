package io.flopwatch.workload;

import io.flopwatch.telemetry.Ticker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A {@link ThroughputSource} over log files: each poll reads the new complete lines with a
 * {@link LogTailer} and parses them. Every file path gets its own parser (parsers may keep state,
 * and ranks writing separate files must not share it); lines of a renamed file keep the name they
 * were opened under, so a rotation does not reset the state. Each observation is stamped with the
 * time of the poll that read it.
 */
public final class LogThroughputSource implements ThroughputSource {
    private final String name;
    private final LogTailer tailer;
    private final Supplier<LineParser> parsers;
    private final Ticker ticker;
    private final Map<Path, LineParser> parserByPath = new HashMap<>();
    private long rejectedLines;

    public LogThroughputSource(String name, LogTailer tailer, Supplier<LineParser> parsers, Ticker ticker) {
        this.name = Objects.requireNonNull(name, "name");
        this.tailer = Objects.requireNonNull(tailer, "tailer");
        this.parsers = Objects.requireNonNull(parsers, "parsers");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<ThroughputObservation> poll() {
        List<LogTailer.Line> lines = tailer.poll();
        if (lines.isEmpty()) {
            return List.of();
        }
        long now = ticker.nanoTime();
        List<ThroughputObservation> out = new ArrayList<>();
        for (LogTailer.Line line : lines) {
            LineParser p = parserByPath.computeIfAbsent(line.path(), k -> parsers.get());
            try {
                out.addAll(p.parse(line.text(), now));
            } catch (RuntimeException e) {
                // A line whose numbers match the format but cannot be a reading (a count of 2^63
                // or more, a negative token total, a rate made infinite by a zero step time) must
                // cost that line only: the others of this poll are already read from the file.
                rejectedLines++;
            }
        }
        return out;
    }

    @Override
    public Map<String, Long> events() {
        LogTailer.Stats t = tailer.stats();
        Map<String, Long> m = new java.util.LinkedHashMap<>();
        m.put("lines_read", t.lines());
        m.put("long_lines_skipped", t.longLinesSkipped());
        m.put("invalid_utf8_lines", t.malformedLines());
        m.put("unterminated_lines", t.unterminatedLines());
        m.put("files_opened", t.filesOpened());
        m.put("truncations", t.truncations());
        m.put("read_errors", t.readErrors());
        m.put("rejected_lines", rejectedLines);
        return m;
    }

    /** The tailer's counters (lines, skipped, malformed, rotations, errors). */
    public LogTailer.Stats tailerStats() {
        return tailer.stats();
    }

    @Override
    public void close() {
        tailer.close();
    }
}
