package io.flopwatch.export;

import io.flopwatch.attribution.AttributedProcess;
import io.flopwatch.attribution.GpuAttribution;
import io.flopwatch.attribution.ProcessOwner;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.Snapshot;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Per-process and per-job series (docs/attribution.md, docs/metrics.md "Processes and jobs").
 *
 * <p>Cardinality is bounded by the snapshot: at most {@code attribution.max_processes_per_gpu}
 * processes per GPU reach it, the command is truncated there, and a process's series are removed
 * in the first {@link #sync} after it left the GPU (exited, or pushed out of the cap). A series'
 * labels never change: when a process's attribution changes (its pod name became known), its old
 * series is removed and a new one registered.
 */
final class ProcessMetrics {
    /** The label names of a process series, in order. */
    static final List<String> PROCESS_LABELS = List.of("gpu", "uuid", "pid", "command", "user", "container_id",
            "k8s_namespace", "k8s_pod", "k8s_pod_uid", "k8s_container", "slurm_job", "hpc_job");

    /** A job on this node, as one scheduler names it. */
    record JobKey(String scheduler, String job) {
    }

    /** A job's share of this node: memory summed over its processes, and the GPUs it holds. */
    record JobUsage(double gpuMemoryBytes, int gpus) {
    }

    private final MeterRegistry registry;
    private final Supplier<Snapshot> latest;
    private final MeterGroups groups;
    private volatile Map<JobKey, JobUsage> jobs = Map.of();
    /** The shape whose series are registered; null before the first sync. */
    private List<GpuShape> registered;

    ProcessMetrics(MeterRegistry registry, Supplier<Snapshot> latest) {
        this.registry = registry;
        this.latest = latest;
        this.groups = new MeterGroups(registry);
    }

    /** Adds the series of new processes, GPUs' job labels and jobs in {@code s}, and removes the gone ones. */
    synchronized void sync(Snapshot s) {
        Map<JobKey, JobUsage> usage = jobUsage(s);
        jobs = usage; // the job meters' values: every cycle
        // Which series exist follows from each GPU's processes and their owners (Shape): when
        // those did not change since the last sync, as in almost every cycle, nothing is added or
        // removed, and the tags and keys of every process need not be built again.
        List<GpuShape> shape = shape(s);
        if (shape.equals(registered)) {
            return;
        }
        Map<String, Runnable> wanted = new LinkedHashMap<>();
        for (GpuRecord g : s.gpus()) {
            String uuid = g.identity().map(id -> id.uuid()).orElse("");
            if (uuid.isEmpty()) {
                continue;
            }
            int gpu = g.index();
            GpuAttribution a = g.attribution();
            Tags gpuTags = Tags.of("gpu", Integer.toString(gpu), "uuid", uuid);
            wanted.put("omitted/" + gpu + "/" + uuid, () -> gauge("flopwatch.gpu.processes.omitted", gpuTags, null,
                    "Compute processes on the GPU beyond attribution.max_processes_per_gpu, not exported one by one",
                    x -> x.gpu(gpu).map(r -> (double) r.attribution().omittedProcesses()).orElse(Double.NaN)));
            for (String job : a.hpcJobs()) {
                wanted.put("hpc/" + gpu + "/" + uuid + "/" + job, () -> own(Gauge.builder("flopwatch.gpu.hpc.job", () -> 1)
                        .tags(gpuTags.and("hpc_job", job))
                        .description("Always 1, one series per job dcgm-exporter's HPC job mapping lists for the GPU")
                        .strongReference(true).register(registry)));
            }
            for (AttributedProcess p : a.processes()) {
                Tags t = processTags(gpu, uuid, p.pid(), p.owner(), a.hpcJobLabel());
                long pid = p.pid();
                wanted.put("process/" + t, () -> {
                    gauge("flopwatch.process.gpu.memory", t, "bytes", "Device memory the process holds (NVML)",
                            x -> process(x, gpu, pid).map(q -> q.usedGpuMemoryBytes().isPresent()
                                    ? (double) q.usedGpuMemoryBytes().getAsLong() : Double.NaN).orElse(Double.NaN));
                    gauge("flopwatch.process.sm.utilization", t, "ratio",
                            "Fraction of the last interval the SMs ran the process's kernels "
                                    + "(nvmlDeviceGetProcessUtilization smUtil / 100); NaN without a sample",
                            x -> process(x, gpu, pid).map(q -> dbl(q.smUtilizationRatio())).orElse(Double.NaN));
                    gauge("flopwatch.process.memory.utilization", t, "ratio",
                            "Fraction of the last interval the memory controller was busy for the process (memUtil / 100)",
                            x -> process(x, gpu, pid).map(q -> dbl(q.memoryUtilizationRatio())).orElse(Double.NaN));
                });
            }
        }
        for (JobKey k : usage.keySet()) {
            Tags t = Tags.of("scheduler", k.scheduler(), "job", k.job());
            wanted.put("job/" + k.scheduler() + "/" + k.job(), () -> {
                gauge("flopwatch.job.gpu.memory", t, "bytes",
                        "Device memory the job's processes hold on this node's GPUs", x -> jobValue(k, JobUsage::gpuMemoryBytes));
                gauge("flopwatch.job.gpus", t, null, "GPUs of this node on which the job has a process "
                        + "(hpc jobs: the GPUs the mapping lists)", x -> jobValue(k, u -> u.gpus()));
            });
        }
        groups.removeIf(k -> !wanted.containsKey(k));
        for (Map.Entry<String, Runnable> e : wanted.entrySet()) {
            if (groups.open(e.getKey())) {
                e.getValue().run();
            }
        }
        registered = shape;
    }

    /**
     * What decides the series of one GPU: its index and UUID (the omitted-processes and hpc job
     * series), the hpc jobs the mapping lists for it (and so the hpc_job label), and its
     * processes with their owners (the process series' labels; the job series follow from the
     * same owners and jobs). Memory and utilization are values the meters read from the latest
     * snapshot, not part of it.
     */
    private record GpuShape(int index, String uuid, List<String> hpcJobs, List<ProcessShape> processes) {
    }

    private record ProcessShape(long pid, ProcessOwner owner) {
    }

    private static List<GpuShape> shape(Snapshot s) {
        List<GpuShape> out = new ArrayList<>(s.gpus().size());
        for (GpuRecord g : s.gpus()) {
            GpuAttribution a = g.attribution();
            List<ProcessShape> procs = new ArrayList<>(a.processes().size());
            for (AttributedProcess p : a.processes()) {
                procs.add(new ProcessShape(p.pid(), p.owner()));
            }
            // hpcJobs is an immutable copy already (GpuAttribution), safe to keep
            out.add(new GpuShape(g.index(), g.identity().map(id -> id.uuid()).orElse(""), a.hpcJobs(), procs));
        }
        return out;
    }

    static Tags processTags(int gpu, String uuid, long pid, ProcessOwner o, String hpcJob) {
        List<String> values = List.of(Integer.toString(gpu), uuid, Long.toString(pid), o.command(), o.user(),
                o.containerId(), o.podNamespace(), o.podName(), o.podUid(), o.containerName(), o.slurmJob(), hpcJob);
        Tags t = Tags.empty();
        for (int i = 0; i < PROCESS_LABELS.size(); i++) {
            t = t.and(PROCESS_LABELS.get(i), values.get(i));
        }
        return t;
    }

    /**
     * Each job's memory and GPUs on this node. A process counts for its Slurm job, its pod
     * (namespace/name, or the UID when the name is unknown) and, for hpc jobs, every job the
     * mapping lists for its GPU; an hpc job's GPUs are those the mapping lists, with or without a process.
     */
    static Map<JobKey, JobUsage> jobUsage(Snapshot s) {
        Map<JobKey, Double> memory = new HashMap<>();
        Map<JobKey, Set<Integer>> gpus = new HashMap<>();
        for (GpuRecord g : s.gpus()) {
            GpuAttribution a = g.attribution();
            for (String job : a.hpcJobs()) {
                JobKey k = new JobKey("hpc", job);
                gpus.computeIfAbsent(k, x -> new TreeSet<>()).add(g.index());
                memory.putIfAbsent(k, 0.0);
            }
            for (AttributedProcess p : a.processes()) {
                double bytes = p.usedGpuMemoryBytes().isPresent() ? p.usedGpuMemoryBytes().getAsLong() : 0;
                List<JobKey> keys = new ArrayList<>();
                ProcessOwner o = p.owner();
                if (!o.slurmJob().isEmpty()) {
                    keys.add(new JobKey("slurm", o.slurmJob()));
                }
                if (!o.podName().isEmpty()) {
                    keys.add(new JobKey("kubernetes", o.podNamespace() + "/" + o.podName()));
                } else if (!o.podUid().isEmpty()) {
                    keys.add(new JobKey("kubernetes", o.podUid()));
                }
                a.hpcJobs().forEach(j -> keys.add(new JobKey("hpc", j)));
                for (JobKey k : new HashSet<>(keys)) {
                    memory.merge(k, bytes, Double::sum);
                    gpus.computeIfAbsent(k, x -> new TreeSet<>()).add(g.index());
                }
            }
        }
        Map<JobKey, JobUsage> out = new LinkedHashMap<>();
        memory.forEach((k, m) -> out.put(k, new JobUsage(m, gpus.getOrDefault(k, Set.of()).size())));
        return out;
    }

    private double jobValue(JobKey k, ToDoubleFunction<JobUsage> f) {
        JobUsage u = jobs.get(k);
        return u == null ? Double.NaN : f.applyAsDouble(u);
    }

    private static Optional<AttributedProcess> process(Snapshot s, int gpu, long pid) {
        return s.gpu(gpu).flatMap(g -> g.attribution().processes().stream().filter(p -> p.pid() == pid).findFirst());
    }

    private static double dbl(OptionalDouble v) {
        return v.isPresent() ? v.getAsDouble() : Double.NaN;
    }

    private void own(Meter m) {
        groups.own(m);
    }

    private void gauge(String name, Tags tags, String unit, String help, ToDoubleFunction<Snapshot> f) {
        own(Gauge.builder(name, this, m -> f.applyAsDouble(m.latest.get())).tags(tags).baseUnit(unit)
                .description(help).strongReference(true).register(registry));
    }
}
