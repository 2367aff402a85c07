package io.flopwatch.export;

import io.flopwatch.attribution.AttributedProcess;
import io.flopwatch.attribution.GpuAttribution;
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

    private LogLines() {
    }

    /**
     * The JSON line, written straight into text by {@link JsonLine}: no Jackson tree, so no Jackson
     * databind on the daemon's path (the characters are those the tree it once built wrote;
     * JsonLineTest keeps that tree as the reference).
     */
    public static String json(Snapshot s) {
        JsonLine root = new JsonLine(16384); // an 8-GPU log line is about 11 KB: no regrowth
        root.beginObject();
        root.field("time", s.takenAt().toString());
        root.field("nvml_up", s.nvmlUp());
        if (!s.nvmlUp()) {
            root.field("nvml_reason", s.nvmlReason());
        }
        root.field("simulated", s.simulated());
        root.beginArray("gpus");
        for (GpuAnalysis a : s.analyses()) {
            JsonLine g = root.beginObject();
            GpuRecord r = s.gpu(a.index()).orElse(null);
            g.field("gpu", a.index());
            g.field("uuid", a.uuid());
            g.field("up", r != null && r.up());
            if (r != null) {
                g.finiteOrNull("sample_age_seconds", s.sampleAgeSeconds(r));
            }
            g.finiteOrNull("utilization_ratio", a.kernelActiveRatio());
            g.finiteOrNull("sm_active_ratio", a.smActiveRatio());
            g.finiteOrNull("sm_occupancy_ratio", a.smOccupancyRatio());
            g.finiteOrNull("tensor_active_ratio", a.tensorActiveRatio());
            g.finiteOrNull("dram_bandwidth_utilization_ratio", a.dramBandwidthRatio());
            g.finiteOrNull("nvlink_bytes_per_second", a.nvlinkBytesPerSecond());
            g.finiteOrNull("sm_clock_hertz", a.smClockHz());
            if (r != null && r.sample().isPresent()) {
                var p = r.sample().get().power();
                p.usageWatts().ifPresent(w -> g.field("power_watts", w));
                r.sample().get().memory().usedBytes().ifPresent(b -> g.field("memory_used_bytes", b));
            }
            g.field("precision", a.precision().key());
            g.finiteOrNull("peak_flops", a.densePeakFlops());
            g.finiteOrNull("tensor_flops_estimate", a.tensorFlopsEstimate());
            g.field("diagnosis", a.diagnosis().label());
            if (r != null) {
                attribution(g, r.attribution());
                InterconnectJson.gpu(g, r, a);
            }
            if (r != null && r.mig().enabled()) {
                mig(g, r);
            }
            g.endObject();
        }
        root.endArray();
        root.beginArray("workloads");
        for (WorkloadAnalysis w : s.workloads()) {
            JsonLine o = root.beginObject();
            o.field("workload", w.name());
            o.field("model", w.model());
            o.finiteOrNull("tokens_per_second", w.tokensPerSecond());
            if (!Double.isNaN(w.decodeCeilingTokensPerSecond())) {
                o.finiteOrNull("decode_ceiling_tokens_per_second", w.decodeCeilingTokensPerSecond());
            }
            o.finiteOrNull("model_flops_per_token", w.modelFlopsPerToken());
            o.finiteOrNull("achieved_flops", w.achievedModelFlops());
            o.finiteOrNull("peak_flops", w.peakFlops());
            o.finiteOrNull("mfu_ratio", w.mfu());
            o.finiteOrNull("hfu_ratio", w.hfu());
            o.finiteOrNull("tensor_flops_estimate", w.tensorFlopsEstimate());
            o.finiteOrNull("mfu_gap_ratio", w.mfuGap());
            // Only for workloads whose log reports its own MFU / TFLOP/s: most report none.
            if (Double.isFinite(w.reportedMfu())) {
                o.field("reported_mfu_ratio", w.reportedMfu());
                o.finiteOrNull("mfu_disagreement", w.mfuDisagreement());
            }
            if (Double.isFinite(w.reportedTflopsPerGpu())) {
                o.field("reported_tflops_per_gpu", w.reportedTflopsPerGpu());
            }
            o.field("diagnosis", w.diagnosis().label());
            InterconnectJson.workload(o, w);
            o.endObject();
        }
        root.endArray();
        InterconnectJson.nics(root, s);
        return root.endObject().toString();
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
    private static void mig(JsonLine g, GpuRecord r) {
        g.beginArray("mig");
        for (var m : r.mig().instances()) {
            var d = m.device();
            g.beginObject();
            g.field("mig_uuid", d.uuid());
            g.field("mig_profile", d.profile().orElse(""));
            g.field("gpu_instance_id", d.gpuInstanceId());
            g.field("compute_instance_id", d.computeInstanceId());
            g.finiteOrNull("compute_fraction_ratio", io.flopwatch.analysis.MigShare.computeFraction(d).orElse(Double.NaN));
            g.finiteOrNull("sm_active_ratio", m.gpmValue(io.flopwatch.nvml.GpmMetric.SM_UTIL).orElse(Double.NaN) / 100);
            g.finiteOrNull("tensor_active_ratio",
                    m.gpmValue(io.flopwatch.nvml.GpmMetric.ANY_TENSOR_UTIL).orElse(Double.NaN) / 100);
            d.memoryUsedBytes().ifPresent(b -> g.field("memory_used_bytes", b));
            g.field("processes", d.processes().size());
            g.endObject();
        }
        g.endArray();
    }

    /** The GPU's attributed processes (capped as the metrics are) and HPC jobs; nothing when it has none. */
    private static void attribution(JsonLine g, GpuAttribution at) {
        if (!at.processes().isEmpty()) {
            g.beginArray("processes");
            for (AttributedProcess p : at.processes()) {
                g.beginObject();
                g.field("pid", p.pid());
                p.usedGpuMemoryBytes().ifPresentOrElse(b -> g.field("used_gpu_memory_bytes", b),
                        () -> g.nullField("used_gpu_memory_bytes"));
                g.finiteOrNull("sm_utilization_ratio", p.smUtilizationRatio().orElse(Double.NaN));
                OwnerFields.write(g, p.owner());
                g.endObject();
            }
            g.endArray();
        }
        if (at.omittedProcesses() > 0) {
            g.field("processes_omitted", at.omittedProcesses());
        }
        if (!at.hpcJobs().isEmpty()) {
            g.beginArray("hpc_jobs");
            at.hpcJobs().forEach(g::value);
            g.endArray();
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
