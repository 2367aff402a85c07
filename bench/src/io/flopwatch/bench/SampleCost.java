package io.flopwatch.bench;

import com.sun.management.OperatingSystemMXBean;
import io.flopwatch.nvml.DeviceSample;
import io.flopwatch.nvml.NvmlSession;
import io.flopwatch.nvml.NvmlSource;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Locale;

/**
 * One round of the cost-per-sample comparison, flopwatch's side: reads every device of the
 * scenario through {@link NvmlSession#sample} (the agent's hot path, the same NVML calls
 * bench/pynvml_sample.py makes) {@code samples} times after {@code warmup} untimed samples, and
 * prints the process CPU time per sample (all threads: JIT and GC included, as /proc counts it).
 *
 * <p>Usage: SampleCost SCENARIO WARMUP SAMPLES [LABEL]. The simulated clock should be frozen
 * (FLOPWATCH_SIM_CLOCK=frozen:S) so both bindings read identical values.
 */
public final class SampleCost {
    private SampleCost() {
    }

    public static void main(String[] args) {
        Path scenario = Path.of(args[0]);
        int warmup = Integer.parseInt(args[1]);
        int samples = Integer.parseInt(args[2]);
        String label = args.length > 3 ? args[3] : "flopwatch";
        // "+processes": also the processes collector's read (nvmlDeviceGetComputeRunningProcesses), for the scaling table.
        boolean processes = label.endsWith("+processes");
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (NvmlSession nvml = NvmlSource.simulated(scenario).open()) {
            int devices = nvml.deviceCount();
            long sink = 0;
            for (int i = 0; i < warmup; i++) {
                sink += sampleAll(nvml, devices, processes);
            }
            long cpuStart = os.getProcessCpuTime();
            long wallStart = System.nanoTime();
            for (int i = 0; i < samples; i++) {
                sink += sampleAll(nvml, devices, processes);
            }
            long cpuNanos = os.getProcessCpuTime() - cpuStart;
            long wallNanos = System.nanoTime() - wallStart;
            // One line, key=value, for bench/run.sh; sink keeps the reads from being dropped.
            System.out.printf(Locale.ROOT, "binding=%s devices=%d samples=%d cpu_us_per_sample=%.2f wall_us_per_sample=%.2f sink=%d%n",
                    label, devices, samples, cpuNanos / 1e3 / samples, wallNanos / 1e3 / samples, sink & 1);
        }
    }

    private static long sampleAll(NvmlSession nvml, int devices, boolean processes) {
        long sink = 0;
        for (int d = 0; d < devices; d++) {
            if (processes) {
                sink += nvml.computeProcesses(d).size();
            }
            DeviceSample s = nvml.sample(d);
            sink += s.utilization().gpuPercent().orElse(0) + (s.power().usageWatts().isPresent() ? 1 : 0);
        }
        return sink;
    }
}
