package io.flopwatch.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flopwatch.attribution.AttributedProcess;
import io.flopwatch.attribution.GpuAttribution;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flopwatch.analysis.GpuAnalysis;
import io.flopwatch.analysis.WorkloadAnalysis;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.Snapshot;
import java.util.Locale;

/**
 * One line per snapshot with the same numbers as /metrics: JSON (for journald, Loki, jq;
 * field names carry their units, NaN becomes null) or a compact human form for
 * {@code journalctl -f}. Pure: formats a snapshot, writes nothing.
 */
public final class LogLines {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LogLines() {
    }

    public static String json(Snapshot s) {
        ObjectNode root = JSON.createObjectNode();
        root.put("time", s.takenAt().toString());
        root.put("nvml_up", s.nvmlUp());
        if (!s.nvmlUp()) {
            root.put("nvml_reason", s.nvmlReason());
        }
        root.put("simulated", s.simulated());
        ArrayNode gpus = root.putArray("gpus");
        for (GpuAnalysis a : s.analyses()) {
            ObjectNode g = gpus.addObject();
            GpuRecord r = s.gpu(a.index()).orElse(null);
            g.put("gpu", a.index());
            g.put("uuid", a.uuid());
            g.put("up", r != null && r.up());
            if (r != null) {
                num(g, "sample_age_seconds", s.sampleAgeSeconds(r));
            }
            num(g, "utilization_ratio", a.kernelActiveRatio());
            num(g, "sm_active_ratio", a.smActiveRatio());
            num(g, "sm_occupancy_ratio", a.smOccupancyRatio());
            num(g, "tensor_active_ratio", a.tensorActiveRatio());
            num(g, "dram_bandwidth_utilization_ratio", a.dramBandwidthRatio());
            num(g, "nvlink_bytes_per_second", a.nvlinkBytesPerSecond());
            num(g, "sm_clock_hertz", a.smClockHz());
            if (r != null && r.sample().isPresent()) {
                var p = r.sample().get().power();
                p.usageWatts().ifPresent(w -> g.put("power_watts", w));
                r.sample().get().memory().usedBytes().ifPresent(b -> g.put("memory_used_bytes", b));
            }
            g.put("precision", a.precision().key());
            num(g, "peak_flops", a.densePeakFlops());
            num(g, "tensor_flops_estimate", a.tensorFlopsEstimate());
            g.put("diagnosis", a.diagnosis().label());
            if (r != null) {
                attribution(g, r.attribution());
                InterconnectJson.gpu(g, r, a);
            }
            if (r != null && r.mig().enabled()) {
                mig(g, r);
            }
        }
        ArrayNode workloads = root.putArray("workloads");
        for (WorkloadAnalysis w : s.workloads()) {
            ObjectNode o = workloads.addObject();
            o.put("workload", w.name());
            o.put("model", w.model());
            num(o, "tokens_per_second", w.tokensPerSecond());
            if (!Double.isNaN(w.decodeCeilingTokensPerSecond())) {
                num(o, "decode_ceiling_tokens_per_second", w.decodeCeilingTokensPerSecond());
            }
            num(o, "model_flops_per_token", w.modelFlopsPerToken());
            num(o, "achieved_flops", w.achievedModelFlops());
            num(o, "peak_flops", w.peakFlops());
            num(o, "mfu_ratio", w.mfu());
            num(o, "hfu_ratio", w.hfu());
            num(o, "tensor_flops_estimate", w.tensorFlopsEstimate());
            num(o, "mfu_gap_ratio", w.mfuGap());
            // Only for workloads whose log reports its own MFU / TFLOP/s: most report none.
            if (Double.isFinite(w.reportedMfu())) {
                o.put("reported_mfu_ratio", w.reportedMfu());
                num(o, "mfu_disagreement", w.mfuDisagreement());
            }
            if (Double.isFinite(w.reportedTflopsPerGpu())) {
                o.put("reported_tflops_per_gpu", w.reportedTflopsPerGpu());
            }
            o.put("diagnosis", w.diagnosis().label());
            InterconnectJson.workload(o, w);
        }
        InterconnectJson.nics(root, s);
        return JsonText.of(root);
    }

    /**
     * E.g. {@code 12:00:01Z llama3: MFU 40.1% HFU 40.1% 12.3k tok/s est 46.9% compute_bound | gpu0 98% sm86% tc47% compute_bound …}.
     */
    public static String human(Snapshot s) {
        StringBuilder sb = new StringBuilder();
        sb.append(s.takenAt().toString(), 11, Math.min(19, s.takenAt().toString().length())).append('Z');
        if (!s.nvmlUp()) {
            return sb.append(" NVML down: ").append(s.nvmlReason()).toString();
        }
        for (WorkloadAnalysis w : s.workloads()) {
            sb.append(' ').append(w.name()).append(": MFU ").append(pct(w.mfu())).append(" HFU ").append(pct(w.hfu()))
                    .append(' ').append(si(w.tokensPerSecond())).append("tok/s est ").append(pct(w.hardwareEstimateRatio()))
                    .append(' ').append(w.diagnosis().label()).append(InterconnectJson.human(w)).append(" |");
        }
        for (GpuAnalysis a : s.analyses()) {
            GpuRecord r = s.gpu(a.index()).orElse(null);
            sb.append(" gpu").append(a.index());
            if (r != null && !r.up()) {
                sb.append(" STALE ").append(String.format(Locale.ROOT, "%.0fs", s.sampleAgeSeconds(r)));
                continue;
            }
            sb.append(' ').append(pct(a.kernelActiveRatio())).append(" sm").append(pct(a.smActiveRatio()))
                    .append(" tc").append(pct(a.tensorActiveRatio())).append(' ').append(a.diagnosis().label());
            if (r != null) {
                sb.append(InterconnectJson.human(r, a));
            }
        }
        return sb.toString();
    }

    /** The GPU's MIG devices (docs/mig.md); only on GPUs with MIG on, so other lines stay as they were. */
    private static void mig(ObjectNode g, GpuRecord r) {
        ArrayNode migs = g.putArray("mig");
        for (var m : r.mig().instances()) {
            var d = m.device();
            ObjectNode o = migs.addObject();
            o.put("mig_uuid", d.uuid());
            o.put("mig_profile", d.profile().orElse(""));
            o.put("gpu_instance_id", d.gpuInstanceId());
            o.put("compute_instance_id", d.computeInstanceId());
            num(o, "compute_fraction_ratio", io.flopwatch.analysis.MigShare.computeFraction(d).orElse(Double.NaN));
            num(o, "sm_active_ratio", m.gpmValue(io.flopwatch.nvml.GpmMetric.SM_UTIL).orElse(Double.NaN) / 100);
            num(o, "tensor_active_ratio", m.gpmValue(io.flopwatch.nvml.GpmMetric.ANY_TENSOR_UTIL).orElse(Double.NaN) / 100);
            d.memoryUsedBytes().ifPresent(b -> o.put("memory_used_bytes", b));
            o.put("processes", d.processes().size());
        }
    }

    /** The GPU's attributed processes (capped as the metrics are) and HPC jobs; nothing when it has none. */
    private static void attribution(ObjectNode g, GpuAttribution at) {
        if (!at.processes().isEmpty()) {
            ArrayNode procs = g.putArray("processes");
            for (AttributedProcess p : at.processes()) {
                ObjectNode o = procs.addObject();
                o.put("pid", p.pid());
                p.usedGpuMemoryBytes().ifPresentOrElse(b -> o.put("used_gpu_memory_bytes", b),
                        () -> o.putNull("used_gpu_memory_bytes"));
                num(o, "sm_utilization_ratio", p.smUtilizationRatio().orElse(Double.NaN));
                ReadingJson.owner(o, p.owner());
            }
        }
        if (at.omittedProcesses() > 0) {
            g.put("processes_omitted", at.omittedProcesses());
        }
        if (!at.hpcJobs().isEmpty()) {
            ArrayNode jobs = g.putArray("hpc_jobs");
            at.hpcJobs().forEach(jobs::add);
        }
    }

    private static void num(ObjectNode o, String field, double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            o.putNull(field);
        } else {
            o.put(field, v);
        }
    }

    static String pct(double ratio) {
        return Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.1f%%", ratio * 100);
    }

    static String si(double v) {
        if (Double.isNaN(v)) {
            return "- ";
        }
        if (v >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM ", v / 1e6);
        }
        if (v >= 1e3) {
            return String.format(Locale.ROOT, "%.1fk ", v / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f ", v);
    }
}
