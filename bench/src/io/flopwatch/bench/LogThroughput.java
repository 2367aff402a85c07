package io.flopwatch.bench;

import io.flopwatch.workload.CustomPatternParser;
import io.flopwatch.workload.LineParser;
import io.flopwatch.workload.LogFormat;
import io.flopwatch.workload.ParserSettings;
import io.flopwatch.workload.ThroughputScope;
import io.flopwatch.workload.WorkloadPhase;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Log parser throughput, parse only (no file tailing): each preset of {@link LogFormat} and one
 * custom pattern parse a generated file of fixture lines; prints lines per CPU-second of the
 * parsing thread (median of ROUNDS). Writes the files it parses so bench/run.sh can run
 * {@code grep -cE} over the very same bytes.
 *
 * <p>Usage: LogThroughput FIXTURE_DIR OUT_DIR LINES ROUNDS
 */
public final class LogThroughput {
    /** The custom pattern measured, and the line shape it is written for. */
    static final String CUSTOM_PATTERN =
            "step (?<step>\\d+) .*tokens_per_second=(?<tokensPerSecond>[0-9.]+)";

    private LogThroughput() {
    }

    public static void main(String[] args) throws IOException {
        Path fixtures = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int lines = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        Files.createDirectories(out);
        // Settings every preset accepts: nanoGPT and DeepSpeed need tokens per step to turn
        // step times into tokens (491,520 is the nanoGPT fixture's own header line).
        ParserSettings settings = new ParserSettings(OptionalLong.of(491_520), OptionalLong.of(8192));
        for (LogFormat f : LogFormat.values()) {
            List<String> seed = Files.readAllLines(fixtures.resolve(f.configName() + ".log"), StandardCharsets.UTF_8);
            measure(f.configName(), () -> f.newParser(settings), seed, out, lines, rounds);
        }
        List<String> custom = List.of(
                "2026-01-01T00:00:00Z rank0 step 1200 loss=2.3141 lr=3.0e-4 tokens_per_second=51234.5 grad_norm=0.91",
                "2026-01-01T00:00:01Z rank0 eval loss=2.41 (no throughput on this line)");
        measure("custom", () -> new CustomPatternParser(CUSTOM_PATTERN, WorkloadPhase.TRAINING, ThroughputScope.NODE,
                ParserSettings.NONE, "bench", "pattern"), custom, out, lines, rounds);
    }

    private static void measure(String name, java.util.function.Supplier<LineParser> parsers, List<String> seed, Path out,
                                int lines, int rounds) throws IOException {
        List<String> file = new ArrayList<>(lines);
        while (file.size() < lines) {
            for (String s : seed) {
                if (file.size() < lines) {
                    file.add(s);
                }
            }
        }
        Files.write(out.resolve(name + ".log"), file, StandardCharsets.UTF_8);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double[] rates = new double[rounds];
        long observations = 0;
        // Round 0 is warm-up (JIT), not counted.
        for (int r = -1; r < rounds; r++) {
            LineParser p = parsers.get();
            long cpu0 = threads.getCurrentThreadCpuTime();
            long found = 0;
            long now = 0;
            for (String line : file) {
                found += p.parse(line, now += 1_000_000).size();
            }
            long cpu = threads.getCurrentThreadCpuTime() - cpu0;
            if (r >= 0) {
                rates[r] = file.size() / (cpu / 1e9);
            }
            observations = found;
        }
        Arrays.sort(rates);
        System.out.printf(Locale.ROOT, "parser=%s lines=%d observations=%d lines_per_cpu_second=%.0f%n",
                name, file.size(), observations, rates[rounds / 2]);
    }
}
