package io.flopwatch.top;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code flopwatch top} shows, read from the snapshot JSON document (docs/agent.md
 * "Snapshot endpoint"; the same document whether it came from a daemon or from the in-process
 * sampler). Ratios are 0..1; NaN (or −1 for counts) when the document has no value, so the
 * screen shows "-" instead of a made-up zero.
 *
 * @param takenAt   the snapshot's time as the document writes it (ISO-8601)
 * @param simulated the readings come from the simulated NVML library
 * @param nvmlUp    NVML answered in the last cycle
 * @param nvmlReason why NVML is down ("" when up)
 * @param gpus      by index
 * @param workloads in the agent's config order
 * @param processes every compute process on every GPU
 */
public record TopData(String takenAt, boolean simulated, boolean nvmlUp, String nvmlReason, List<Gpu> gpus,
                      List<Workload> workloads, List<Proc> processes) {

    public TopData {
        gpus = List.copyOf(gpus);
        workloads = List.copyOf(workloads);
        processes = List.copyOf(processes);
    }

    /** Before the first snapshot arrives. */
    public static TopData waiting(String why) {
        return new TopData("", false, false, why, List.of(), List.of(), List.of());
    }

    /**
     * One GPU's row.
     *
     * @param kernelActive   NVML utilization.gpu ÷ 100
     * @param throttle       clock event reason labels (e.g. sw_power_cap)
     * @param diagnosis      the diagnosis label (docs/diagnosis.md)
     */
    public record Gpu(int index, String name, String uuid, boolean up, double sampleAgeSeconds, double kernelActive,
                      double smActive, double tensorActive, double dramBandwidth, long memoryUsedBytes,
                      long memoryTotalBytes, double powerWatts, double powerLimitWatts, double smClockHz,
                      double smClockMaxHz, List<String> throttle, double temperatureCelsius, String diagnosis,
                      double tensorFlopsEstimate, double peakFlops, String precision) {
        public Gpu {
            throttle = List.copyOf(throttle);
        }
    }

    /** One workload of the agent's config, as analyzed on this node. */
    public record Workload(String name, String model, String mode, String precision, List<Integer> gpus,
                           double tokensPerSecond, double modelFlopsPerToken, double achievedFlops, double peakFlops,
                           double mfu, double hfu, double tensorFlopsEstimate, double reportedMfu,
                           double reportedTflopsPerGpu, String diagnosis, double decodeCeilingTokensPerSecond) {
        public Workload {
            gpus = List.copyOf(gpus);
        }

        /** Tensor-active × dense peak ÷ peak: the hardware's cross-check of MFU. */
        public double hardwareEstimateRatio() {
            return tensorFlopsEstimate / peakFlops;
        }
    }

    /**
     * One compute process.
     *
     * @param smPercent the process's share of SM time in percent, NaN when the snapshot has none
     * @param job       job or pod the attribution layer names, "" when none
     * @param user      the process's user, "" when unknown (filled in by {@link ProcFs} on this host)
     * @param command   its command line, "" when unknown
     */
    public record Proc(long pid, int gpu, long memoryBytes, double smPercent, String job, String user,
                       String command) {

        public Proc withOwner(String user, String command) {
            return new Proc(pid, gpu, memoryBytes, smPercent, job, user, command);
        }
    }

    /** The same data with other process rows (e.g. with users and commands filled in). */
    public TopData withProcesses(List<Proc> p) {
        return new TopData(takenAt, simulated, nvmlUp, nvmlReason, gpus, workloads, p);
    }

    /** The workload that runs on {@code gpu}, if any (the first in config order). */
    public Optional<Workload> workloadOn(int gpu) {
        return workloads.stream().filter(w -> w.gpus().contains(gpu)).findFirst();
    }

    public Optional<Gpu> gpu(int index) {
        return gpus.stream().filter(g -> g.index() == index).findFirst();
    }

    /** Reads the snapshot document; fields it lacks become NaN / "" / −1, never an error. */
    public static TopData parse(JsonNode doc) {
        JsonNode analysis = doc.path("analysis");
        Map<Integer, JsonNode> analyses = new java.util.HashMap<>();
        for (JsonNode a : analysis.path("gpus")) {
            analyses.put(a.path("gpu").asInt(-1), a);
        }
        List<Gpu> gpus = new ArrayList<>();
        List<Proc> procs = new ArrayList<>();
        for (JsonNode d : doc.path("devices")) {
            int index = d.path("index").asInt(-1);
            JsonNode a = analyses.getOrDefault(index, com.fasterxml.jackson.databind.node.MissingNode.getInstance());
            JsonNode gpm = d.path("gpm");
            List<String> throttle = new ArrayList<>();
            d.path("clock_event_reasons").forEach(r -> throttle.add(r.asText()));
            double kernel = num(d, "gpu_utilization_percent") / 100;
            gpus.add(new Gpu(index, d.path("name").asText(""), d.path("uuid").asText(""),
                    d.path("up").asBoolean(true), num(d, "sample_age_seconds"),
                    Double.isNaN(kernel) ? num(a, "utilization_ratio") : kernel,
                    firstNumber(num(a, "sm_active_ratio"), num(gpm, "sm_active_percent") / 100),
                    firstNumber(num(a, "tensor_active_ratio"), num(gpm, "tensor_active_percent") / 100),
                    firstNumber(num(a, "dram_bandwidth_utilization_ratio"),
                            num(gpm, "dram_bandwidth_utilization_percent") / 100),
                    d.path("memory_used_bytes").asLong(-1), d.path("memory_total_bytes").asLong(-1),
                    num(d, "power_watts"), num(d, "power_limit_enforced_watts"),
                    firstNumber(num(d, "sm_clock_hz"), num(a, "sm_clock_hertz")), num(d, "sm_clock_max_hz"),
                    throttle, num(d, "temperature_celsius"), a.path("diagnosis").asText(""),
                    num(a, "tensor_flops_estimate"), num(a, "peak_flops"), a.path("precision").asText("")));
            // The analysis part carries the daemon's attribution of each process (docs/attribution.md):
            // SM share, user, command, job; the reading part only NVML's pid and memory.
            Map<Long, JsonNode> attributed = new java.util.HashMap<>();
            a.path("processes").forEach(p -> attributed.put(p.path("pid").asLong(), p));
            for (JsonNode p : d.path("processes")) {
                JsonNode at = attributed.getOrDefault(p.path("pid").asLong(),
                        com.fasterxml.jackson.databind.node.MissingNode.getInstance());
                double sm = firstNumber(num(at, "sm_utilization_ratio") * 100,
                        firstNumber(num(p, "sm_utilization_percent"), num(p, "sm_percent")));
                String job = at.isMissingNode() ? job(p) : attributedJob(at);
                procs.add(new Proc(p.path("pid").asLong(), index, p.path("used_gpu_memory_bytes").asLong(-1),
                        sm, job, at.path("user").asText(""), at.path("command").asText("")));
            }
        }
        List<Workload> workloads = new ArrayList<>();
        for (JsonNode w : analysis.path("workloads")) {
            List<Integer> on = new ArrayList<>();
            w.path("gpus").forEach(g -> on.add(g.asInt()));
            workloads.add(new Workload(w.path("workload").asText(""), w.path("model").asText(""),
                    w.path("mode").asText(""), w.path("precision").asText(""), on, num(w, "tokens_per_second"),
                    num(w, "model_flops_per_token"), num(w, "achieved_flops"), num(w, "peak_flops"),
                    num(w, "mfu_ratio"), num(w, "hfu_ratio"), num(w, "tensor_flops_estimate"),
                    num(w, "reported_mfu_ratio"), num(w, "reported_tflops_per_gpu"), w.path("diagnosis").asText(""),
                    num(w, "decode_ceiling_tokens_per_second")));
        }
        boolean nvmlUp = analysis.path("nvml_up").asBoolean(!gpus.isEmpty());
        return new TopData(doc.path("taken_at").asText(analysis.path("time").asText("")),
                doc.path("simulated").asBoolean(false), nvmlUp, analysis.path("nvml_reason").asText(""), gpus,
                workloads, procs);
    }

    /**
     * The job of an attributed process (docs/attribution.md): its Slurm job, else its Kubernetes
     * pod as namespace/pod, else its container id shortened to 12 characters as Docker prints it.
     */
    static String attributedJob(JsonNode p) {
        String slurm = p.path("slurm_job").asText("");
        if (!slurm.isEmpty()) {
            return "slurm:" + slurm;
        }
        String pod = p.path("k8s_pod").asText("");
        if (!pod.isEmpty()) {
            String ns = p.path("k8s_namespace").asText("");
            return ns.isEmpty() ? pod : ns + "/" + pod;
        }
        String container = p.path("container_id").asText("");
        return container.length() > 12 ? container.substring(0, 12) : container;
    }

    /**
     * The job or pod a process belongs to, from whatever attribution fields the snapshot carries
     * (any text field whose name mentions a job, pod or container), joined by "/".
     */
    static String job(JsonNode process) {
        List<String> parts = new ArrayList<>();
        collectJob(process, parts);
        return String.join("/", parts);
    }

    private static void collectJob(JsonNode node, List<String> parts) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = e.getKey();
            if (e.getValue().isObject()) {
                collectJob(e.getValue(), parts);
            } else if (e.getValue().isTextual() && !e.getValue().asText().isEmpty()
                    && (k.contains("job") || k.contains("pod") || k.contains("container"))) {
                parts.add(e.getValue().asText());
            }
        }
    }

    private static double num(JsonNode o, String field) {
        JsonNode v = o.path(field);
        return v.isNumber() ? v.asDouble() : Double.NaN;
    }

    private static double firstNumber(double a, double b) {
        return Double.isNaN(a) ? b : a;
    }
}
