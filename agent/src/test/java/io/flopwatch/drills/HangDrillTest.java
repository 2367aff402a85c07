package io.flopwatch.drills;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.telemetry.Collectors;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.Sampler;
import io.flopwatch.telemetry.Snapshot;
import io.flopwatch.telemetry.Ticker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault drill (issue 8; docs/RELIABILITY.md): GPU 1's utilization call hangs 20 times in ten
 * seconds (the simulated library's hang faults). Each hang makes GPU 1 stale and each return
 * recovers it, the other GPUs never stop, and the agent's threads do not grow with the hangs:
 * a GPU inside a hung call is not given another thread, and the GPU reader threads (one reads
 * every GPU while they answer, a hung call holds one more) never outnumber the GPUs.
 */
class HangDrillTest {
    static final int HANGS = 20;

    private static long flopwatchThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("flopwatch-")
                && !t.getName().startsWith(READER)).count();
    }

    private static long readerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(READER)).count();
    }

    /** The GPU reader lanes: one reads every GPU while they answer; a hung call holds one more, per hung GPU. */
    static final String READER = "flopwatch-gpu-reader-";
    static final int GPUS = 3;

    @Test
    void manyHangsLeakNoThreadAndEachRecovers(@TempDir Path dir) throws Exception {
        String base = Files.readString(Path.of(getClass().getClassLoader()
                .getResource("scenarios/hang-3x-h100.scenario").toURI()));
        StringBuilder faults = new StringBuilder();
        for (int i = 0; i < HANGS; i++) { // hang 0.25 s every 0.5 s from t = 1 s
            double from = 1.0 + i * 0.5;
            faults.append(String.format("fault nvmlDeviceGetUtilizationRates device=1 hang from=%.2f to=%.2f%n",
                    from, from + 0.25));
        }
        Path scenario = dir.resolve("hangs.scenario");
        Files.writeString(scenario, base.replaceAll("(?m)^fault .*$", "") + faults);
        Sampler sampler = new Sampler(NvmlSource.simulated(scenario)::open, Collectors.builtIn(Set.of("device")), false,
                Duration.ofMillis(50), Duration.ofMillis(30), Ticker.system(),
                (gpus, now) -> new io.flopwatch.telemetry.Analyzer.Result(List.of(), List.of()));
        try {
            Snapshot first = sampler.cycle();
            assertTrue(first.nvmlUp(), first.nvmlReason());
            long baseline = flopwatchThreads();
            long most = baseline;
            long mostReaders = readerThreads();
            int staleSpells = 0;
            boolean wasStale = false;
            long othersLast = 0;
            long end = System.nanoTime() + Duration.ofSeconds(1 + HANGS / 2 + 3).toNanos(); // the scenario's span
            while (System.nanoTime() < end) {
                Snapshot s = sampler.cycle();
                GpuRecord g1 = s.gpus().get(1);
                if (!g1.up() && !wasStale) {
                    staleSpells++;
                }
                wasStale = !g1.up();
                long others = Math.min(s.gpus().get(0).sampledAtNanos(), s.gpus().get(2).sampledAtNanos());
                assertTrue(others >= othersLast, "GPUs 0 and 2 keep being read");
                othersLast = others;
                most = Math.max(most, flopwatchThreads());
                mostReaders = Math.max(mostReaders, readerThreads());
                Thread.sleep(50);
            }
            Snapshot last = sampler.cycle();
            assertTrue(last.gpus().get(1).up(), "GPU 1 recovered after the last hang");
            assertTrue(staleSpells >= HANGS / 2, "GPU 1 went stale in most hangs: " + staleSpells);
            assertTrue(most <= baseline, "threads grew from " + baseline + " to " + most + " during the hangs");
            assertTrue(mostReaders <= GPUS, mostReaders + " GPU reader threads for " + GPUS + " GPUs");
        } finally {
            sampler.close();
        }
    }
}
