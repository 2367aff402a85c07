package io.flopwatch.cli;

import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.daemon.Agent;
import io.flopwatch.daemon.LiveAnalyzer;
import io.flopwatch.export.LogLines;
import io.flopwatch.export.SnapshotMetrics;
import io.flopwatch.nvml.NvmlSession;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.telemetry.Collector;
import io.flopwatch.telemetry.Collectors;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.Snapshot;
import io.flopwatch.telemetry.Ticker;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.function.Consumer;

/**
 * CPU of one sampling cycle of {@code flopwatch run}, piece by piece (docs/BENCHMARKS.md
 * section 2): an {@link Agent} built from a config with {@code sampling.simulate}, its
 * {@code Sampler.cycle()} called {@code cycles} times after {@code warmup} cycles, with a clock
 * that advances 1 s per cycle (rate windows hold what they hold at 1 Hz); the sampling thread's
 * and the GPU reader threads' ("flopwatch-gpu-reader-N") CPU from {@link ThreadMXBean}, then each listener and collector alone on
 * the last snapshot. Hot figures: at 1 Hz the same work costs more (cold caches, interpreted
 * code in the first minutes). In package io.flopwatch.cli for {@code NvmlOptions.open}; reads
 * the agent's private fields by reflection. Not part of the build:
 *
 * <pre>
 * javac -d /tmp/cc -cp agent/target/flopwatch.jar bench/src/io/flopwatch/cli/CycleCost.java
 * java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp agent/target/flopwatch.jar:/tmp/cc \
 *     io.flopwatch.cli.CycleCost CONFIG.yaml 2000 3000
 * </pre>
 */
public final class CycleCost {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static volatile long cyclesDone;
    /** The system clocks moved 1 s ahead per cycle. */
    private static final Ticker ONE_SECOND_PER_CYCLE = new Ticker() {
        @Override
        public long nanoTime() {
            return System.nanoTime() + cyclesDone * 1_000_000_000L;
        }

        @Override
        public Instant now() {
            return Instant.now().plusSeconds(cyclesDone);
        }
    };

    private CycleCost() {
    }

    public static void main(String[] args) throws Exception {
        AgentConfig c = ConfigLoader.load(Path.of(args[0]));
        int warmup = Integer.parseInt(args[1]);
        int cycles = Integer.parseInt(args[2]);
        NvmlSource source = NvmlSource.simulated(Path.of(c.sampling().simulate().orElseThrow()));
        Agent agent = new Agent(c, () -> NvmlOptions.open(source), ONE_SECOND_PER_CYCLE, new PrintWriter(System.out), "bench");
        var sampler = agent.sampler();
        for (int i = 0; i < warmup; i++) {
            cyclesDone++;
            sampler.cycle();
        }
        long self = THREADS.getCurrentThreadCpuTime();
        long workers = workerCpu();
        Snapshot last = null;
        for (int i = 0; i < cycles; i++) {
            cyclesDone++;
            last = sampler.cycle();
        }
        int gpus = last.gpus().size();
        System.out.printf("cycle: sampling thread %.1f us, GPU readers %.1f us (%.1f per GPU)%n",
                (THREADS.getCurrentThreadCpuTime() - self) / 1e3 / cycles, (workerCpu() - workers) / 1e3 / cycles,
                (workerCpu() - workers) / 1e3 / cycles / gpus);
        SnapshotMetrics metrics = field(agent, "metrics");
        Consumer<Snapshot> log = field(agent, "logListener");
        LiveAnalyzer analyzer = field(agent, "analyzer");
        Snapshot s = last;
        time("SnapshotMetrics.sync", cycles, () -> metrics.sync(s));
        time("LogLines.json", cycles, () -> LogLines.json(s));
        if (log != null) {
            time("log line written", cycles, () -> log.accept(s));
        }
        time("analysis", cycles, () -> analyzer.analyze(s.gpus(), ONE_SECOND_PER_CYCLE.nanoTime()));
        try (NvmlSession session = NvmlOptions.open(source)) {
            for (Map.Entry<String, Collector> e : Collectors.builtIn(c.sampling().collectors()).entrySet()) {
                time("collector " + e.getKey() + ", per GPU", cycles * gpus, new Runnable() {
                    int n;

                    @Override
                    public void run() {
                        int gpu = n++ % gpus;
                        e.getValue().collect(session, gpu, new GpuRecord.Builder(gpu));
                    }
                });
            }
        }
        agent.close();
        System.exit(0);
    }

    private static long workerCpu() {
        long sum = 0;
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith("flopwatch-gpu-")) {
                sum += THREADS.getThreadCpuTime(t.getThreadId());
            }
        }
        return sum;
    }

    private static void time(String what, int n, Runnable r) {
        for (int i = 0; i < Math.min(n, 500); i++) {
            r.run();
        }
        long t0 = THREADS.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            r.run();
        }
        System.out.printf("%s: %.1f us%n", what, (THREADS.getCurrentThreadCpuTime() - t0) / 1e3 / n);
    }

    @SuppressWarnings("unchecked")
    private static <T> T field(Agent agent, String name) throws ReflectiveOperationException {
        var f = Agent.class.getDeclaredField(name);
        f.setAccessible(true);
        return (T) f.get(agent);
    }
}
