package io.flopwatch.export;

import io.flopwatch.analysis.MigShare;
import io.flopwatch.nvml.GpmMetric;
import io.flopwatch.nvml.MigDevice;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.MigInstances.MigInstance;
import io.flopwatch.telemetry.Snapshot;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Per-MIG-device meters ({@code flopwatch_mig_…}, docs/metrics.md, "MIG"), called from
 * {@link SnapshotMetrics#sync}. A MIG device's meters exist while it is in the snapshot: they are
 * removed when MIG is turned off, the instance is destroyed, or its GPU leaves.
 *
 * <p>Labels: {@code gpu} and {@code uuid} are the parent GPU's, as on every {@code flopwatch_gpu_…}
 * series (so the two join); {@code mig_uuid} is the MIG device's "MIG-…" UUID (what
 * {@code CUDA_VISIBLE_DEVICES} and a workload's {@code gpus:} name); {@code gpu_instance_id} and
 * {@code mig_profile} carry what dcgm-exporter calls {@code GPU_I_ID} and {@code GPU_I_PROFILE};
 * {@code compute_instance_id} tells compute instances of one GPU instance apart. At most 7 MIG
 * devices per GPU (A100 / H100), so cardinality stays bounded.
 */
final class MigMetrics {

    private final MeterRegistry registry;
    private final Supplier<Snapshot> latest;
    private final MeterGroups groups;

    MigMetrics(MeterRegistry registry, Supplier<Snapshot> latest) {
        this.registry = registry;
        this.latest = latest;
        this.groups = new MeterGroups(registry);
    }

    void sync(Snapshot s) {
        Set<String> live = new HashSet<>();
        for (GpuRecord g : s.gpus()) {
            String gpuUuid = g.identity().map(id -> id.uuid()).orElse("");
            if (gpuUuid.isEmpty()) {
                continue;
            }
            for (MigInstance m : g.mig().instances()) {
                String key = key(g.index(), gpuUuid, m.device().uuid());
                live.add(key);
                if (groups.open(key)) {
                    register(g.index(), gpuUuid, g.identity().map(id -> id.name()).orElse(""), m.device());
                }
            }
        }
        groups.removeIf(k -> !live.contains(k));
    }

    private static String key(int gpu, String gpuUuid, String migUuid) {
        return gpu + "/" + gpuUuid + "/" + migUuid;
    }

    private void register(int gpu, String gpuUuid, String model, MigDevice d) {
        List<Meter> meters = new ArrayList<>();
        Tags t = Tags.of("gpu", Integer.toString(gpu), "uuid", gpuUuid, "mig_uuid", d.uuid(),
                "gpu_instance_id", Integer.toString(d.gpuInstanceId()),
                "compute_instance_id", Integer.toString(d.computeInstanceId()),
                "mig_profile", d.profile().orElse(""));
        String migUuid = d.uuid();
        meters.add(Gauge.builder("flopwatch.mig.info", () -> 1).tags(t.and("model", model))
                .description("Always 1; one series per MIG device (compute instance) of a GPU with MIG on")
                .strongReference(true).register(registry));
        device(meters, t, gpu, migUuid, "flopwatch.mig.compute.slices", null,
                "Compute slices of the MIG device (nvmlDeviceGetAttributes: computeInstanceSliceCount)",
                x -> in(x.computeInstanceSliceCount()));
        device(meters, t, gpu, migUuid, "flopwatch.mig.gpu.instance.slices", null,
                "Compute slices of its GPU instance, the 3 of 3g.40gb (nvmlDeviceGetAttributes: gpuInstanceSliceCount)",
                x -> in(x.gpuInstanceSliceCount()));
        device(meters, t, gpu, migUuid, "flopwatch.mig.compute.fraction", "ratio",
                "Share of the GPU's compute the MIG device has: compute slices / 7 (A100, H100)",
                x -> MigShare.computeFraction(x).orElse(Double.NaN));
        device(meters, t, gpu, migUuid, "flopwatch.mig.multiprocessors", null,
                "SMs of the MIG device (nvmlDeviceGetAttributes: multiprocessorCount)", x -> in(x.multiprocessorCount()));
        device(meters, t, gpu, migUuid, "flopwatch.mig.memory.used", "bytes",
                "Memory in use in the MIG device's GPU instance (nvmlDeviceGetMemoryInfo on the MIG handle)",
                x -> l(x.memoryUsedBytes()));
        device(meters, t, gpu, migUuid, "flopwatch.mig.memory.total", "bytes",
                "Memory of the MIG device's GPU instance", x -> l(x.memoryTotalBytes()));
        device(meters, t, gpu, migUuid, "flopwatch.mig.processes", null,
                "Compute processes running in the MIG device", x -> x.processes().size());
        gpm(meters, t, gpu, migUuid, "flopwatch.mig.sm.active", GpmMetric.SM_UTIL,
                "SM activity of the MIG device's GPU instance (GPM SM_UTIL, nvmlGpmMigSampleGet)");
        gpm(meters, t, gpu, migUuid, "flopwatch.mig.sm.occupancy", GpmMetric.SM_OCCUPANCY,
                "SM occupancy of the GPU instance (GPM SM_OCCUPANCY)");
        gpm(meters, t, gpu, migUuid, "flopwatch.mig.tensor.active", GpmMetric.ANY_TENSOR_UTIL,
                "Tensor pipe activity of the GPU instance (GPM ANY_TENSOR_UTIL)");
        gpm(meters, t, gpu, migUuid, "flopwatch.mig.dram.bandwidth.utilization", GpmMetric.DRAM_BW_UTIL,
                "DRAM bandwidth use of the GPU instance (GPM DRAM_BW_UTIL)");
        gpm(meters, t, gpu, migUuid, "flopwatch.mig.fp64.active", GpmMetric.FP64_UTIL,
                "FP64 pipe activity of the GPU instance (GPM FP64_UTIL)");
        gpm(meters, t, gpu, migUuid, "flopwatch.mig.fp32.active", GpmMetric.FP32_UTIL,
                "FP32 pipe activity of the GPU instance (GPM FP32_UTIL)");
        gpm(meters, t, gpu, migUuid, "flopwatch.mig.fp16.active", GpmMetric.FP16_UTIL,
                "FP16 pipe activity of the GPU instance (GPM FP16_UTIL)");
        meters.forEach(groups::own); // in the group open() started for this key
    }

    private Optional<MigInstance> instance(int gpu, String migUuid) {
        return latest.get().gpu(gpu).map(GpuRecord::mig).flatMap(m -> m.byUuid(migUuid));
    }

    private void device(List<Meter> meters, Tags t, int gpu, String migUuid, String name, String unit, String help,
                        ToDoubleFunction<MigDevice> f) {
        meters.add(Gauge.builder(name, this, m -> m.instance(gpu, migUuid).map(x -> f.applyAsDouble(x.device()))
                        .orElse(Double.NaN))
                .tags(t).baseUnit(unit).description(help).strongReference(true).register(registry));
    }

    private void gpm(List<Meter> meters, Tags t, int gpu, String migUuid, String name, int metricId, String help) {
        // GPM samples a GPU instance: its compute instances show the same value. Percent → ratio.
        meters.add(Gauge.builder(name, this, m -> m.instance(gpu, migUuid)
                        .map(x -> x.gpmValue(metricId)).filter(OptionalDouble::isPresent)
                        .map(v -> v.getAsDouble() / 100.0).orElse(Double.NaN))
                .tags(t).baseUnit("ratio").description(help).strongReference(true).register(registry));
    }

    private static double l(OptionalLong v) {
        return v.isPresent() ? v.getAsLong() : Double.NaN;
    }

    private static double in(OptionalInt v) {
        return v.isPresent() ? v.getAsInt() : Double.NaN;
    }
}
