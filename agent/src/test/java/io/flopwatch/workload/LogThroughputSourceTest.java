package io.flopwatch.workload;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flopwatch.telemetry.FakeTicker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogThroughputSourceTest {
    @TempDir
    Path dir;

    @Test
    void tailsParsesAndKeepsParserStatePerFile() throws IOException {
        FakeTicker ticker = new FakeTicker();
        Path rank0 = dir.resolve("rank0.log");
        Path rank1 = dir.resolve("rank1.log");
        Files.writeString(rank0, "tokens per iteration will be: 1,000\n");
        Files.writeString(rank1, "");
        LogTailer tailer = LogTailer.open(List.of(dir.resolve("rank*.log").toString()),
                LogTailer.Options.DEFAULTS.withStartAtEnd(false), ticker);
        try (LogThroughputSource src = new LogThroughputSource("nanogpt", tailer,
                () -> LogFormat.NANOGPT.newParser(ParserSettings.NONE), ticker)) {
            assertEquals(List.of(), src.poll());
            ticker.advance(Duration.ofSeconds(3));
            Files.writeString(rank0, "iter 10: loss 3.0, time 500.00ms, mfu 10.00%\n", UTF_8, StandardOpenOption.APPEND);
            Files.writeString(rank1, "iter 10: loss 3.0, time 500.00ms, mfu 10.00%\n", UTF_8, StandardOpenOption.APPEND);
            List<ThroughputObservation> got = src.poll();
            // rank0 saw its header: 1000 tokens / 0.5 s; rank1 did not print one: no token count
            assertEquals(2000, got.get(0).tokens(), 1e-9);
            assertEquals(null, got.get(1).reading());
            assertEquals(ticker.nanoTime(), got.get(0).nanoTime());
            assertEquals(3, src.tailerStats().lines(), "header + two iteration lines");
        }
    }

    @Test
    void aLineWhoseValuesCannotBeAReadingIsCountedAndTheOthersStillCount() throws IOException {
        FakeTicker ticker = new FakeTicker();
        Path log = dir.resolve("trainer.log");
        Files.writeString(log, "");
        LogTailer tailer = LogTailer.open(List.of(log.toString()),
                LogTailer.Options.DEFAULTS.withStartAtEnd(false), ticker);
        try (LogThroughputSource src = new LogThroughputSource("hf", tailer,
                () -> LogFormat.HF_TRAINER.newParser(ParserSettings.NONE), ticker)) {
            src.poll();
            // HF Trainer's running total of input tokens cannot be negative (Trainer counts
            // tokens seen); the line matches the format, so the parser turns it down by throwing
            Files.writeString(log, """
                    {'loss': 2.3, 'epoch': 0.1, 'num_input_tokens_seen': -5}
                    {'loss': 2.2, 'epoch': 0.2, 'num_input_tokens_seen': 8388608}
                    """, UTF_8, StandardOpenOption.APPEND);
            List<ThroughputObservation> got = src.poll();
            assertEquals(1, got.size(), "the valid line after the rejected one still counts");
            assertEquals(8388608, got.get(0).tokens(), 1e-9);
            assertEquals(1L, src.events().get("rejected_lines"));
        }
    }
}
