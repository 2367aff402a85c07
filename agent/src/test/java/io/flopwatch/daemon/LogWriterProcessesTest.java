package io.flopwatch.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flopwatch.analysis.WorkloadAnalysis;
import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.daemon.LogWriterProcesses.Outcome;
import io.flopwatch.daemon.LogWriterProcesses.Writers;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.telemetry.FakeTicker;
import io.flopwatch.telemetry.GpuRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class LogWriterProcessesTest {
    @TempDir
    Path dir;

    /** Octal access flags of /proc/PID/fdinfo (proc(5)); constants of Linux's asm-generic/fcntl.h. */
    @ParameterizedTest(name = "flags {0} → writes: {1}")
    @CsvSource({
            "0100000, false",   // O_RDONLY | O_LARGEFILE: tail -f
            "0100001, true",    // O_WRONLY | O_LARGEFILE: shell redirect '>'
            "0102001, true",    // O_WRONLY | O_APPEND | O_LARGEFILE: '>>', Python open(…, 'a')
            "02100002, true",   // O_RDWR | O_LARGEFILE | O_CLOEXEC
            "02000000, false"}) // O_CLOEXEC alone: read-only
    void theAccessModeDecides(String flags, boolean writes) {
        assertEquals(writes, LogWriterProcesses.opensForWriting("pos:\t0\nflags:\t" + flags + "\nmnt_id:\t29\n"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "plain          | 13 (tee) S 10 10 7 34816 10 4194304 | 10",
            "spaces, parens | 13 (a (b) c) R 1 42 42 0 -1 4194560 | 42",
            "no parens      | garbage                              | -1"})
    void theProcessGroupIsField5CountedFromTheLastParenthesis(String why, String stat, long group) {
        assertEquals(group < 0 ? OptionalLong.empty() : OptionalLong.of(group), LogWriterProcesses.processGroup(stat), why);
    }

    /** A fixture /proc: pid, its pgrp, and fds as "target:octal flags". */
    Path process(Path proc, long pid, long pgrp, String... fds) throws Exception {
        Path p = Files.createDirectories(proc.resolve(Long.toString(pid)));
        Files.writeString(p.resolve("stat"), pid + " (proc " + pid + ") S 1 " + pgrp + " " + pgrp + " 0 -1 0\n");
        Files.createDirectories(p.resolve("fd"));
        Files.createDirectories(p.resolve("fdinfo"));
        int fd = 3;
        for (String f : fds) {
            int colon = f.lastIndexOf(':'); // a target such as pipe:[4242] has colons of its own
            Files.createSymbolicLink(p.resolve("fd").resolve(Integer.toString(fd)), Path.of(f.substring(0, colon)));
            Files.writeString(p.resolve("fdinfo").resolve(Integer.toString(fd)),
                    "pos:\t0\nflags:\t" + f.substring(colon + 1) + "\n");
            fd++;
        }
        return p;
    }

    /**
     * {@code torchrun train.py | tee /var/log/job/train.log} (one process group 10: launcher 10,
     * ranks 11 and 12 on GPUs 0 and 1, tee 13 writing the log), another job (group 20) on GPU 2,
     * and {@code tail -f} (group 21) reading the log.
     */
    Path teePipeline() throws Exception {
        Path proc = Files.createDirectories(dir.resolve("proc"));
        process(proc, 10, 10, "/dev/pts/0:0100002");
        process(proc, 11, 10, "/dev/nvidia0:02100002");
        process(proc, 12, 10, "/dev/nvidia1:02100002");
        process(proc, 13, 10, "/var/log/job/train.log:0100001", "pipe:[4242]:01");
        process(proc, 20, 20, "/var/log/other.log:0102001");
        process(proc, 21, 21, "/var/log/job/train.log:0100000");
        Files.createDirectories(proc.resolve("self"));
        return proc;
    }

    static final List<GpuRecord> GPUS = List.of(LiveAnalyzerTest.gpu(0, 11), LiveAnalyzerTest.gpu(1, 12),
            LiveAnalyzerTest.gpu(2, 20), LiveAnalyzerTest.gpu(3));

    @Test
    void theWritersProcessGroupIsTheJob() throws Exception {
        Writers w = LogWriterProcesses.find(teePipeline(), List.of("/var/log/job/train.log"));
        assertEquals(Set.of(13L), w.writerPids(), "tail -f only reads");
        assertEquals(Set.of(10L, 11L, 12L, 13L), w.jobPids());
        LogWriterProcesses.Selection s = LogWriterProcesses.select(w, GPUS);
        assertEquals(List.of(0, 1), s.gpuIndexes());
        assertEquals(Outcome.ONE_WRITER, s.outcome());
    }

    @Test
    void aGlobInTheFileNameMatchesLikeThroughputPaths() throws Exception {
        Path proc = Files.createDirectories(dir.resolve("proc"));
        process(proc, 30, 30, "/var/log/job/rank0.log:0102001");
        process(proc, 31, 30, "/var/log/job/rank1.log:0102001");
        process(proc, 32, 32, "/var/log/job/other.txt:0102001");
        Writers w = LogWriterProcesses.find(proc, List.of("/var/log/job/rank*.log"));
        assertEquals(Set.of(30L, 31L), w.writerPids());
    }

    @Test
    void theRealProcShowsThisJvmWritingAFileAndNotReadingOne() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fdinfo")),
                "no Linux /proc here: the real-/proc check is not run");
        Path written = dir.resolve("written.log");
        Path read = Files.writeString(dir.resolve("read.log"), "x\n");
        long self = ProcessHandle.current().pid();
        try (var out = Files.newOutputStream(written); var in = Files.newInputStream(read)) {
            out.write('x');
            assertEquals(true, LogWriterProcesses.find(Path.of("/proc"), List.of(written.toString()))
                    .writerPids().contains(self));
            assertEquals(false, LogWriterProcesses.find(Path.of("/proc"), List.of(read.toString()))
                    .writerPids().contains(self));
        }
    }

    @Test
    void anUnreadableOrMissingProcFindsNoWriter() {
        Writers w = LogWriterProcesses.find(dir.resolve("no-proc"), List.of("/var/log/job/train.log"));
        assertEquals(Set.of(), w.writerPids());
    }

    static Stream<Arguments> outcomes() {
        return Stream.of(
                Arguments.of("no writer", new Writers(Set.of(), Set.of()), List.of(), Outcome.NO_WRITER),
                Arguments.of("writer on no GPU (a CPU-only job, or GPUs not yet opened)",
                        new Writers(Set.of(40L), Set.of(40L, 41L)), List.of(), Outcome.WRITER_ON_NO_GPU),
                Arguments.of("one writer, its group on GPUs 0 and 1", new Writers(Set.of(13L), Set.of(10L, 11L, 12L, 13L)),
                        List.of(0, 1), Outcome.ONE_WRITER),
                Arguments.of("two writers (two jobs appending to one log): all their GPUs",
                        new Writers(Set.of(11L, 20L), Set.of(11L, 20L)), List.of(0, 2), Outcome.SEVERAL_WRITERS));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("outcomes")
    void ambiguousMatchesAreNamed(String why, Writers w, List<Integer> gpus, Outcome outcome) {
        LogWriterProcesses.Selection s = LogWriterProcesses.select(w, GPUS);
        assertEquals(gpus, s.gpuIndexes(), why);
        assertEquals(outcome, s.outcome(), why);
    }

    @Test
    void theLiveAnalyzerSelectsTheWritersGpusAndRescansEveryTenSeconds() throws Exception {
        Path log = Files.writeString(dir.resolve("train.log"), "");
        AgentConfig c = ConfigLoader.parse("t", """
                workloads:
                  - name: train
                    model: llama-3-8b
                    seq_len: 8192
                    gpus: {log_writer: true}
                    throughput: {source: log, format: torchtitan, paths: [%s]}
                """.formatted(log));
        FakeTicker ticker = new FakeTicker();
        Path proc = teePipeline();
        // The fixture writes /var/log/job/train.log; point the scan at that name for this workload.
        int[] scans = {0};
        LiveAnalyzer analyzer = new LiveAnalyzer(c, GpuCatalog.builtIn(), ticker, pid -> Optional.empty(),
                LiveAnalyzer::httpFetcher, paths -> {
                    scans[0]++;
                    assertEquals(List.of(log.toString()), paths);
                    return LogWriterProcesses.find(proc, List.of("/var/log/job/train.log"));
                });
        WorkloadAnalysis w = analyzer.analyze(GPUS, ticker.nanoTime()).workloads().get(0);
        assertEquals(List.of(0, 1), w.gpuIndexes());
        assertEquals(Outcome.ONE_WRITER, analyzer.logWriterSelection("train").orElseThrow().outcome());
        ticker.advance(Duration.ofSeconds(5));
        analyzer.analyze(GPUS, ticker.nanoTime());
        assertEquals(1, scans[0], "no rescan within 10 s");
        ticker.advance(Duration.ofSeconds(5));
        analyzer.analyze(GPUS, ticker.nanoTime());
        assertEquals(2, scans[0]);
        analyzer.close();
    }
}
