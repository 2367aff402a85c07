package io.flopwatch.attribution;

import io.flopwatch.config.AgentConfig;
import io.flopwatch.nvml.GpuProcess;
import io.flopwatch.nvml.ProcessUtilization;
import io.flopwatch.telemetry.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Attributes each GPU's compute processes to a command, user, container, pod and job
 * (docs/attribution.md). Called by the processes collector on each GPU's worker thread, so it is
 * thread-safe; it reads only files (never native code).
 *
 * <p>/proc is read once per process: the facts are cached by PID and kept while the process's
 * start time (stat field 22) is unchanged, so a reused PID is read afresh. Pod and container names
 * are looked up on every call (from cached directory listings), so a name that appears late is
 * picked up. Entries unused for {@link #FORGET_AFTER} are dropped: the cache holds only processes
 * that were recently on a GPU.
 */
public final class Attributor {
    static final Duration FORGET_AFTER = Duration.ofMinutes(5);
    /** How often at most the kubelet's log directories are listed again when a name is missing. */
    static final Duration KUBELET_LIST_INTERVAL = Duration.ofSeconds(10);

    private record Cached(ProcFacts facts, long usedAtNanos) {
    }

    private final Optional<ProcReader> proc;
    private final PasswdUsers users;
    private final KubeletLogNames kubelet;
    private final HpcJobMapping hpcJobs;
    private final int maxProcessesPerGpu;
    private final Ticker ticker;
    private final Map<Long, Cached> cache = new ConcurrentHashMap<>();

    public Attributor(AgentConfig.Attribution s, Ticker ticker) {
        this.proc = s.enabled() ? Optional.of(new ProcReader(s.procRoot(), s.commandMaxChars(), s.readEnvironment()))
                : Optional.empty();
        this.users = new PasswdUsers(s.enabled() ? s.passwdFile() : Optional.empty());
        this.kubelet = new KubeletLogNames(s.enabled() ? s.kubernetesPodLogs() : Optional.empty(),
                s.enabled() ? s.kubernetesContainerLogs() : Optional.empty(), ticker, KUBELET_LIST_INTERVAL);
        this.hpcJobs = new HpcJobMapping(s.hpcJobMappingDir());
        this.maxProcessesPerGpu = s.maxProcessesPerGpu();
        this.ticker = ticker;
    }

    /** Only what NVML says (no /proc, no mapping), capped as the defaults say: for tests and tools. */
    public static Attributor nvmlOnly() {
        return new Attributor(AgentConfig.Attribution.DISABLED, Ticker.system());
    }

    /**
     * @param index       the GPU's NVML index (the HPC job mapping's file name)
     * @param processes   NVML's compute processes on it
     * @param utilization NVML's per-process samples since the previous cycle (several per PID: the newest counts)
     */
    public GpuAttribution attribute(int index, List<GpuProcess> processes, List<ProcessUtilization> utilization) {
        Map<Long, ProcessUtilization> newest = new HashMap<>();
        for (ProcessUtilization u : utilization) {
            newest.merge(u.pid(), u, (a, b) -> b.timestampMicros() > a.timestampMicros() ? b : a);
        }
        List<GpuProcess> sorted = new ArrayList<>(processes);
        sorted.sort(Comparator.comparingLong((GpuProcess p) -> -p.usedGpuMemoryBytes().orElse(-1))
                .thenComparingLong(GpuProcess::pid));
        List<AttributedProcess> out = new ArrayList<>();
        for (GpuProcess p : sorted.subList(0, Math.min(sorted.size(), maxProcessesPerGpu))) {
            ProcessUtilization u = newest.get(p.pid());
            out.add(new AttributedProcess(p.pid(), p.usedGpuMemoryBytes(),
                    u == null ? OptionalDouble.empty() : OptionalDouble.of(u.smPercent() / 100.0),
                    u == null ? OptionalDouble.empty() : OptionalDouble.of(u.memoryPercent() / 100.0),
                    p.gpuInstanceId(), owner(p.pid())));
        }
        forgetOld();
        return new GpuAttribution(out, sorted.size() - out.size(), hpcJobs.jobs(index));
    }

    /** The jobs dcgm-exporter's HPC job mapping lists for GPU {@code index}. */
    public List<String> hpcJobs(int index) {
        return hpcJobs.jobs(index);
    }

    /** Who runs {@code pid}; {@link ProcessOwner#UNKNOWN} when attribution is off or the process is gone. */
    public ProcessOwner owner(long pid) {
        if (proc.isEmpty()) {
            return ProcessOwner.UNKNOWN;
        }
        Optional<ProcFacts> facts = facts(pid);
        if (facts.isEmpty()) {
            return ProcessOwner.UNKNOWN;
        }
        ProcFacts f = facts.get();
        CgroupIdentity c = f.cgroup();
        String namespace = "";
        String pod = "";
        String container = "";
        Optional<KubeletLogNames.Container> named = kubelet.container(c.containerId());
        if (named.isPresent()) {
            namespace = named.get().namespace();
            pod = named.get().podName();
            container = named.get().name();
        }
        if (pod.isEmpty()) {
            Optional<KubeletLogNames.Pod> p = kubelet.pod(c.podUid());
            if (p.isPresent()) {
                namespace = p.get().namespace();
                pod = p.get().name();
            }
        }
        String user = f.realUid().isPresent() ? users.name(f.realUid().getAsLong()) : "";
        String slurm = !c.slurmJob().isEmpty() ? c.slurmJob() : f.slurmJobFromEnvironment();
        return new ProcessOwner(f.command(), user, c.containerId(), c.containerRuntime(), c.podUid(), namespace, pod,
                container, slurm);
    }

    private Optional<ProcFacts> facts(long pid) {
        ProcReader reader = proc.get();
        OptionalLong start = reader.startTime(pid);
        if (start.isEmpty()) {
            cache.remove(pid);
            return Optional.empty();
        }
        long now = ticker.nanoTime();
        Cached c = cache.get(pid);
        if (c != null && c.facts().startTimeTicks() == start.getAsLong()) {
            cache.put(pid, new Cached(c.facts(), now));
            return Optional.of(c.facts());
        }
        Optional<ProcFacts> read = reader.read(pid);
        read.ifPresentOrElse(f -> cache.put(pid, new Cached(f, now)), () -> cache.remove(pid));
        return read;
    }

    private void forgetOld() {
        long now = ticker.nanoTime();
        cache.values().removeIf(c -> now - c.usedAtNanos() > FORGET_AFTER.toNanos());
    }

    /** Processes whose /proc facts are cached (for tests of the cache's bound). */
    int cachedProcesses() {
        return cache.size();
    }
}
