package io.flopwatch.workload;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.telemetry.FakeTicker;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogTailerTest {
    @TempDir
    Path dir;

    private final FakeTicker ticker = new FakeTicker();
    private static final LogTailer.Options FROM_START = LogTailer.Options.DEFAULTS.withStartAtEnd(false);

    private static List<String> texts(List<LogTailer.Line> lines) {
        return lines.stream().map(LogTailer.Line::text).toList();
    }

    private static void append(Path p, String s) throws IOException {
        Files.write(p, s.getBytes(UTF_8), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void lineIsCompleteOnlyAtItsNewline() throws IOException {
        Path log = dir.resolve("train.log");
        append(log, "");
        try (LogTailer t = LogTailer.open(List.of(log.toString()), FROM_START, ticker)) {
            append(log, "iter 1: loss 2.0");
            assertEquals(List.of(), texts(t.poll()));
            append(log, ", time 10ms\r\niter 2");
            assertEquals(List.of("iter 1: loss 2.0, time 10ms"), texts(t.poll()));
            append(log, "\n\n");
            assertEquals(List.of("iter 2", ""), texts(t.poll()));
            assertEquals(3, t.stats().lines());
        }
    }

    @Test
    void startAtEndSkipsWhatIsThereButNotFilesThatAppearLater() throws IOException {
        Path a = dir.resolve("a.log");
        append(a, "old 1\nold 2\n");
        Path b = dir.resolve("b.log");
        try (LogTailer t = LogTailer.open(List.of(a.toString(), b.toString()), LogTailer.Options.DEFAULTS, ticker)) {
            assertEquals(List.of(), texts(t.poll()));
            append(a, "new 1\n");
            append(b, "b 1\nb 2\n");
            assertEquals(List.of("new 1", "b 1", "b 2"), texts(t.poll()));
        }
        try (LogTailer t = LogTailer.open(List.of(a.toString()), FROM_START, ticker)) {
            assertEquals(List.of("old 1", "old 2", "new 1"), texts(t.poll()));
        }
    }

    @Test
    void startAtEndInTheMiddleOfALineSkipsItsHead() throws IOException {
        Path log = dir.resolve("m.log");
        append(log, "complete\nhalf of a li");
        try (LogTailer t = LogTailer.open(List.of(log.toString()), LogTailer.Options.DEFAULTS, ticker)) {
            append(log, "ne\nnext\n");
            assertEquals(List.of("next"), texts(t.poll()));
            assertEquals(0, t.stats().longLinesSkipped());
        }
    }

    @Test
    void longLinesAreSkippedAndNeverBufferedWhole() throws IOException {
        Path log = dir.resolve("x.log");
        append(log, "");
        LogTailer.Options o = FROM_START.withMaxLineBytes(16);
        try (LogTailer t = LogTailer.open(List.of(log.toString()), o, ticker)) {
            append(log, "short\n" + "y".repeat(10));
            assertEquals(List.of("short"), texts(t.poll()));
            append(log, "z".repeat(100_000)); // keeps growing without a newline
            assertEquals(List.of(), texts(t.poll()));
            append(log, "z\nexactly-16-bytes\nafter\n");
            assertEquals(List.of("exactly-16-bytes", "after"), texts(t.poll()));
            assertEquals(1, t.stats().longLinesSkipped());
        }
    }

    @Test
    void invalidUtf8IsReplacedAndCounted() throws IOException {
        Path log = dir.resolve("u.log");
        append(log, "");
        try (LogTailer t = LogTailer.open(List.of(log.toString()), FROM_START, ticker)) {
            Files.write(log, new byte[] {'o', 'k', ' ', (byte) 0xC3, (byte) 0xA9, '\n', 'b', (byte) 0xFF, 'd', '\n'},
                    StandardOpenOption.APPEND);
            assertEquals(List.of("ok é", "b\uFFFDd"), texts(t.poll()));
            assertEquals(1, t.stats().malformedLines());
        }
    }

    @Test
    void renameRotationFinishesTheOldFileFirstThenReadsTheNewOne() throws IOException {
        Path log = dir.resolve("train.log");
        append(log, "");
        LogTailer.Options o = FROM_START.withRotateWait(Duration.ofSeconds(5));
        try (LogTailer t = LogTailer.open(List.of(log.toString()), o, ticker);
             FileOutputStream writer = new FileOutputStream(log.toFile(), true)) {
            writer.write("1\n2\n".getBytes(UTF_8));
            assertEquals(List.of("1", "2"), texts(t.poll()));
            writer.write("3\n".getBytes(UTF_8));
            Files.move(log, dir.resolve("train.log.1"));
            writer.write("4\n5".getBytes(UTF_8)); // the writer has not reopened yet
            append(log, "6\n");                  // but another process already made a new file
            assertEquals(List.of("3", "4", "6"), texts(t.poll()));
            writer.write("\n".getBytes(UTF_8));
            assertEquals(List.of("5"), texts(t.poll()));
            ticker.advance(Duration.ofSeconds(6));
            assertEquals(List.of(), texts(t.poll()));
            assertEquals(1, t.stats().filesClosed(), "the renamed file is closed after rotateWait");
        }
    }

    @Test
    void unterminatedLastLineOfARotatedFileIsHandedOutWhenItIsClosed() throws IOException {
        Path log = dir.resolve("train.log");
        append(log, "a\nb");
        try (LogTailer t = LogTailer.open(List.of(log.toString()), FROM_START.withRotateWait(Duration.ZERO), ticker)) {
            assertEquals(List.of("a"), texts(t.poll()));
            Files.delete(log);
            assertEquals(List.of("b"), texts(t.poll()));
            assertEquals(1, t.stats().unterminatedLines());
            append(log, "c\n"); // re-created: a new file, read from its start
            assertEquals(List.of("c"), texts(t.poll()));
        }
    }

    @Test
    void truncationRestartsAtZero() throws IOException {
        Path log = dir.resolve("t.log");
        append(log, "one\ntwo\n");
        try (LogTailer t = LogTailer.open(List.of(log.toString()), FROM_START, ticker)) {
            assertEquals(List.of("one", "two"), texts(t.poll()));
            Files.write(log, new byte[0], StandardOpenOption.TRUNCATE_EXISTING);
            assertEquals(List.of(), texts(t.poll()));
            append(log, "three\n");
            assertEquals(List.of("three"), texts(t.poll()));
            assertEquals(1, t.stats().truncations());
        }
    }

    @Test
    void copytruncateLosesWhatWasWrittenSinceTheLastPollAsDocumented() throws IOException {
        Path log = dir.resolve("c.log");
        append(log, "");
        try (LogTailer t = LogTailer.open(List.of(log.toString()), FROM_START, ticker);
             FileOutputStream writer = new FileOutputStream(log.toFile(), true)) {
            writer.write("seen\n".getBytes(UTF_8));
            assertEquals(List.of("seen"), texts(t.poll()));
            writer.write("only-in-the-copy\n".getBytes(UTF_8));
            copyTruncate(log, dir.resolve("c.log.1"));
            assertEquals(List.of(), texts(t.poll()));
            writer.write("after\n".getBytes(UTF_8));
            assertEquals(List.of("after"), texts(t.poll()));
            assertEquals(1, t.stats().truncations());
            assertTrue(Files.readString(dir.resolve("c.log.1")).contains("only-in-the-copy"));
        }
    }

    @Test
    void globFollowsManyFilesAndNeverRereadsARenamedOne() throws IOException {
        for (int r = 0; r < 8; r++) {
            append(dir.resolve("rank" + r + ".log"), "rank " + r + " start\n");
        }
        String glob = dir.resolve("rank*.log*").toString();
        try (LogTailer t = LogTailer.open(List.of(glob), FROM_START.withRotateWait(Duration.ZERO), ticker)) {
            assertEquals(8, t.poll().size());
            Files.move(dir.resolve("rank3.log"), dir.resolve("rank3.log.1"));
            append(dir.resolve("rank3.log.1"), "late write to the renamed file\n");
            append(dir.resolve("rank3.log"), "rank 3 new file\n");
            append(dir.resolve("rank9.log"), "rank 9 appeared\n");
            assertEquals(List.of("late write to the renamed file", "rank 3 new file", "rank 9 appeared"),
                    texts(t.poll()));
            assertEquals(List.of(), texts(t.poll()));
        }
    }

    @Test
    void aBacklogIsReadAcrossPollsWithinTheByteBudget() throws IOException {
        Path log = dir.resolve("big.log");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            sb.append("line ").append(i).append('\n');
        }
        append(log, sb.toString());
        try (LogTailer t = LogTailer.open(List.of(log.toString()), FROM_START.withMaxBytesPerPoll(1000), ticker)) {
            List<String> all = new ArrayList<>();
            int polls = 0;
            List<LogTailer.Line> got;
            while (!(got = t.poll()).isEmpty()) {
                all.addAll(texts(got));
                polls++;
            }
            assertEquals(1000, all.size());
            assertEquals("line 999", all.get(999));
            assertTrue(polls > 5, "bounded reads take several polls: " + polls);
        }
    }

    private static void copyTruncate(Path log, Path copy) throws IOException {
        Files.copy(log, copy, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel c = FileChannel.open(log, StandardOpenOption.WRITE)) {
            c.truncate(0);
        }
    }

    /**
     * A writer that rotates many times, both styles alternately, while the tailer polls at
     * seeded-random moments; every line must come out exactly once and in order. Follows the
     * documented precondition of copytruncate: the tailer is polled just before the copy and
     * once after the truncation (see LogTailer's known limits).
     */
    @Test
    void noLineLostOrRepeatedAcrossManyRotationsOfBothStyles() throws IOException {
        final int total = 50_000;
        Path log = dir.resolve("rot.log");
        append(log, "");
        Random rnd = new Random(20261128L);
        LogTailer.Options o = FROM_START.withRotateWait(Duration.ofSeconds(5)).withMaxLineBytes(4096);
        List<String> seen = new ArrayList<>(total);
        int renames = 0;
        int copytruncates = 0;
        try (LogTailer t = LogTailer.open(List.of(log.toString()), o, ticker)) {
            FileOutputStream writer = new FileOutputStream(log.toFile(), true);
            int linesUntilReopen = -1; // >= 0 while the writer still writes to a renamed file
            boolean nextIsRename = true;
            for (int i = 0; i < total; i++) {
                String line = String.format("%06d %s", i, "é".repeat(rnd.nextInt(20)) + "x".repeat(rnd.nextInt(60)));
                byte[] bytes = (line + "\n").getBytes(UTF_8);
                // write in one to three fragments, polling between some of them
                int cut1 = rnd.nextInt(bytes.length);
                int cut2 = cut1 + rnd.nextInt(bytes.length - cut1);
                writer.write(bytes, 0, cut1);
                if (rnd.nextInt(12) == 0) {
                    pollInto(t, seen);
                }
                writer.write(bytes, cut1, cut2 - cut1);
                if (rnd.nextInt(12) == 0) {
                    pollInto(t, seen);
                }
                writer.write(bytes, cut2, bytes.length - cut2);
                if (rnd.nextInt(6) == 0) {
                    pollInto(t, seen);
                }
                if (linesUntilReopen >= 0 && linesUntilReopen-- == 0) {
                    writer.close();
                    writer = new FileOutputStream(log.toFile(), true);
                }
                if (linesUntilReopen < 0 && rnd.nextInt(200) == 0) {
                    if (nextIsRename) {
                        // logrotate "create": rename, the writer keeps its old descriptor for a few
                        // more lines, then reopens the name (a new file)
                        Files.move(log, dir.resolve("rot.log.1"), StandardCopyOption.REPLACE_EXISTING);
                        if (rnd.nextBoolean()) {
                            append(log, ""); // logrotate's create makes the new file at once
                        }
                        linesUntilReopen = rnd.nextInt(4);
                        renames++;
                    } else {
                        pollInto(t, seen);
                        copyTruncate(log, dir.resolve("rot.log.1"));
                        pollInto(t, seen);
                        copytruncates++;
                    }
                    nextIsRename = !nextIsRename;
                }
            }
            writer.close();
            for (int k = 0; k < 3; k++) {
                pollInto(t, seen);
            }
            assertTrue(t.stats().truncations() >= copytruncates / 2, "truncations seen: " + t.stats());
            assertEquals(0, t.stats().longLinesSkipped());
            assertEquals(0, t.stats().malformedLines());
        }
        assertTrue(renames > 50 && copytruncates > 50, "renames=" + renames + " copytruncates=" + copytruncates);
        assertEquals(total, seen.size(), "every line exactly once");
        for (int i = 0; i < total; i++) {
            String expected = String.format("%06d", i);
            if (!seen.get(i).startsWith(expected + " ")) {
                throw new AssertionError("line " + i + " out of order or lost: " + seen.get(i));
            }
        }
    }

    private void pollInto(LogTailer t, List<String> seen) {
        ticker.advance(Duration.ofMillis(100));
        for (LogTailer.Line l : t.poll()) {
            seen.add(l.text());
        }
    }
}
