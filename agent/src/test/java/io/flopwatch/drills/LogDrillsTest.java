package io.flopwatch.drills;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.telemetry.FakeTicker;
import io.flopwatch.workload.LogFormat;
import io.flopwatch.workload.LogTailer;
import io.flopwatch.workload.LineParser;
import io.flopwatch.workload.ParserSettings;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault drills of log tailing (issue 8; docs/RELIABILITY.md): a million lines through 200
 * rename rotations, a log replaced by a binary file, and a 100 MB line. Nothing is lost, nothing
 * read twice, the tailer's memory stays bounded by its options, and it goes on afterwards.
 */
class LogDrillsTest {
    private static final LogTailer.Options FROM_START = LogTailer.Options.DEFAULTS.withStartAtEnd(false);
    private final FakeTicker ticker = new FakeTicker();

    @TempDir
    Path dir;

    private long poll(LogTailer t, long expectNext) {
        ticker.advance(Duration.ofMillis(100));
        for (LogTailer.Line l : t.poll()) {
            long n = Long.parseLong(l.text().substring(0, 7));
            if (n != expectNext) {
                throw new AssertionError("expected line " + expectNext + ", read " + n + " (lost or repeated)");
            }
            expectNext++;
        }
        return expectNext;
    }

    @Test
    void aMillionLinesThroughTwoHundredRotationsNoneLostNoneTwice() throws IOException {
        final int total = 1_000_000;
        final int perRotation = 5_000;
        Path log = dir.resolve("train.log");
        Files.writeString(log, "");
        long next = 0;
        try (LogTailer t = LogTailer.open(List.of(log.toString()), FROM_START, ticker)) {
            OutputStream w = new FileOutputStream(log.toFile(), true);
            StringBuilder chunk = new StringBuilder();
            for (int i = 0; i < total; i++) {
                chunk.append(String.format("%07d step %d loss 2.5%n", i, i));
                if ((i + 1) % 1_000 == 0) {
                    w.write(chunk.toString().getBytes(UTF_8));
                    chunk.setLength(0);
                    next = poll(t, next);
                }
                if ((i + 1) % perRotation == 0) {
                    // logrotate "create": rename; the writer reopens the name (a new file)
                    Files.move(log, dir.resolve("train.log.1"), StandardCopyOption.REPLACE_EXISTING);
                    w.close();
                    w = new FileOutputStream(log.toFile(), true);
                }
            }
            w.close();
            for (int k = 0; k < 5; k++) {
                next = poll(t, next);
            }
            assertEquals(0, t.stats().longLinesSkipped());
            assertTrue(t.stats().filesOpened() >= total / perRotation, "files opened: " + t.stats());
        }
        assertEquals(total, next, "every line exactly once");
    }

    @Test
    void aLogReplacedByABinaryFileIsReadAsJunkAndTheNextLinesStillParse() throws IOException {
        Path log = dir.resolve("train.log");
        Files.writeString(log, "");
        LineParser parser = LogFormat.TORCHTITAN.newParser(ParserSettings.NONE);
        try (LogTailer t = LogTailer.open(List.of(log.toString()), FROM_START, ticker)) {
            byte[] junk = new byte[4 << 20];
            new Random(8).nextBytes(junk); // NULs, invalid UTF-8, stray newlines, 4 MiB
            Path tmp = dir.resolve("replacement");
            Files.write(tmp, junk);
            Files.move(tmp, log, StandardCopyOption.REPLACE_EXISTING);
            int observations = 0;
            for (int k = 0; k < 20; k++) {
                ticker.advance(Duration.ofSeconds(1));
                for (LogTailer.Line l : t.poll()) {
                    observations += parser.parse(l.text(), ticker.nanoTime()).size();
                }
            }
            assertEquals(0, observations, "random bytes make no throughput");
            assertTrue(t.stats().malformedLines() > 0, "invalid UTF-8 counted: " + t.stats());
            // a line as torchtitan prints it (fixture logs/torchtitan.log, colours removed)
            Files.writeString(log, "\n[rank0]:[titan] 2025-06-01 12:00:20,456 - root - INFO - step: 10  loss:  9.4510  "
                    + "grad_norm:  1.9921  memory: 46.52GiB(58.74%)  tps: 7,041  tflops: 407.79  mfu: 41.23%\n",
                    java.nio.file.StandardOpenOption.APPEND);
            for (int k = 0; k < 3; k++) {
                ticker.advance(Duration.ofSeconds(1));
                for (LogTailer.Line l : t.poll()) {
                    observations += parser.parse(l.text(), ticker.nanoTime()).size();
                }
            }
            assertEquals(1, observations, "the torchtitan line after the junk is read");
        }
    }

    @Test
    void aHundredMegabyteLineIsSkippedAndCountedAndTheNextLineIsRead() throws IOException {
        Path log = dir.resolve("train.log");
        LogTailer.Options o = FROM_START.withMaxLineBytes(64 * 1024);
        Files.writeString(log, "");
        try (LogTailer t = LogTailer.open(List.of(log.toString()), o, ticker);
             OutputStream w = new FileOutputStream(log.toFile(), true)) {
            byte[] mb = "x".repeat(1 << 20).getBytes(UTF_8);
            long next = 0;
            w.write(String.format("%07d before%n", 0).getBytes(UTF_8));
            for (int i = 0; i < 100; i++) {
                w.write(mb);
                if (i % 10 == 0) {
                    next = pollSkippingNothing(t, next);
                }
            }
            w.write('\n');
            w.write(String.format("%07d after%n", 1).getBytes(UTF_8));
            for (int k = 0; k < 40 && next < 2; k++) { // drained within the per-poll byte budget
                next = pollSkippingNothing(t, next);
            }
            assertEquals(2, next, "the lines around the long one are read once each");
            assertEquals(1, t.stats().longLinesSkipped());
        }
    }

    private long pollSkippingNothing(LogTailer t, long next) {
        return poll(t, next);
    }
}
