package io.flopwatch.telemetry;

import io.flopwatch.attribution.Attributor;
import io.flopwatch.nvml.GpuProcess;
import io.flopwatch.nvml.NvmlSession;
import io.flopwatch.nvml.ProcessUtilization;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Compute processes on a GPU, their per-process utilization, and who runs them.
 *
 * <p>Besides the attributor's cache of /proc facts (keyed by PID and start time, so it never
 * changes what is reported), the one state kept between calls is NVML's own: {@code nvmlDeviceGetProcessUtilization}
 * returns the samples newer than a timestamp the caller passes, so each GPU's newest sample time is
 * remembered to ask for exactly the last interval's samples (nvml.h). Per-process utilization is
 * optional: where NVML does not offer it, processes keep their memory and owner.
 */
final class ProcessesCollector implements Collector {
    private final Attributor attributor;
    private final Map<Integer, Long> lastSampleMicros = new ConcurrentHashMap<>();

    ProcessesCollector(Attributor attributor) {
        this.attributor = attributor;
    }

    @Override
    public void collect(NvmlSession nvml, int index, GpuRecord.Builder into) {
        List<GpuProcess> processes = nvml.computeProcesses(index);
        into.processes(processes);
        List<ProcessUtilization> utilization = List.of();
        if (!processes.isEmpty()) {
            long since = lastSampleMicros.getOrDefault(index, 0L);
            // Not supported (older GPUs, vGPU) comes back empty from the binding: memory and owners only.
            utilization = nvml.processUtilization(index, since);
            utilization.stream().mapToLong(ProcessUtilization::timestampMicros).max()
                    .ifPresent(t -> lastSampleMicros.put(index, t));
        }
        into.attribution(attributor.attribute(index, processes, utilization));
    }
}
