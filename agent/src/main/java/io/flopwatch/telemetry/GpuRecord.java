package io.flopwatch.telemetry;

import io.flopwatch.attribution.GpuAttribution;
import io.flopwatch.nvml.DeviceSample;
import io.flopwatch.nvml.GpmMetric;
import io.flopwatch.nvml.GpuIdentity;
import io.flopwatch.nvml.GpuProcess;
import io.flopwatch.nvml.MigDevice;
import io.flopwatch.telemetry.interconnect.GpuInterconnect;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * What the collectors last read from one GPU. Immutable; part of a {@link Snapshot}.
 *
 * @param index          NVML device index
 * @param identity       what the GPU is (read once when its worker starts)
 * @param sample         the device collector's counters; empty when that collector is off or failed
 * @param gpm            GPM metric id → value (percent 0..100 for utilizations, MiB/s for rates);
 *                       empty without GPM or on the first cycle (GPM needs two samples)
 * @param processes      compute processes; empty when none or when the collector is off
 * @param sampledAtNanos {@link Ticker#nanoTime()} when these values were read
 * @param up             true when the last cycle's collection finished before its deadline
 *                       with at least one collector succeeding; false for a stale record
 * @param reason         why the device is down ("" when up)
 * @param collectors     each collector's result on this device in the cycle that produced the values
 * @param xidErrors      Xid events seen on this GPU since the agent started (the {@code xid} collector)
 * @param lastXid        the last Xid seen, 0 when none
 * @param mig            the GPU's MIG devices and their GPM metrics; {@link MigInstances#NONE} when MIG is off
 * @param activity       which source filled {@code gpm} (GPM or CUPTI) and the CUPTI collector's status
 * @param attribution    the processes with their owners, utilization and jobs (the {@code processes}
 *                       collector; docs/attribution.md); {@link GpuAttribution#NONE} when it is off
 * @param interconnect   NVLink / PCIe counters and the nearest NIC (the {@code interconnect} and
 *                       {@code infiniband} collectors); {@link GpuInterconnect#NONE} when not read
 */
public record GpuRecord(
        int index,
        Optional<GpuIdentity> identity,
        Optional<DeviceSample> sample,
        Map<Integer, Double> gpm,
        List<GpuProcess> processes,
        long sampledAtNanos,
        boolean up,
        String reason,
        Map<String, CollectorResult> collectors,
        long xidErrors,
        long lastXid,
        MigInstances mig,
        ActivitySource activity,
        GpuAttribution attribution,
        GpuInterconnect interconnect) {

    public GpuRecord {
        gpm = Map.copyOf(gpm);
        processes = List.copyOf(processes);
        collectors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(collectors));
        java.util.Objects.requireNonNull(interconnect, "interconnect");
    }

    /** A record with NVML's device readings only (no MIG, attribution or interconnect readings). */
    public GpuRecord(int index, Optional<GpuIdentity> identity, Optional<DeviceSample> sample, Map<Integer, Double> gpm,
                     List<GpuProcess> processes, long sampledAtNanos, boolean up, String reason,
                     Map<String, CollectorResult> collectors, long xidErrors, long lastXid) {
        this(index, identity, sample, gpm, processes, sampledAtNanos, up, reason, collectors, xidErrors, lastXid,
                MigInstances.NONE, ActivitySource.ofNvml(!gpm.isEmpty(), Optional.empty()), GpuAttribution.NONE,
                GpuInterconnect.NONE);
    }

    /** The same record with other interconnect readings (the sampler adds the nearest NIC). */
    public GpuRecord withInterconnect(GpuInterconnect i) {
        return new GpuRecord(index, identity, sample, gpm, processes, sampledAtNanos, up, reason, collectors, xidErrors,
                lastXid, mig, activity, attribution, i);
    }

    /** A GPM metric's value, empty when not measured. */
    public OptionalDouble gpmValue(int metricId) {
        Double v = gpm.get(metricId);
        return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
    }

    /** A one-off reading (from {@code flopwatch snapshot}) as a record the analysis takes. */
    public static GpuRecord of(DeviceReading d, long nanoTime) {
        Builder b = new Builder(d.index()).gpm(d.gpm()).processes(d.processes()).mig(d.mig())
                .gpmSupported(d.gpmSupported());
        d.identity().ifPresent(b::identity);
        d.sample().ifPresent(b::sample);
        Map<String, CollectorResult> results = new LinkedHashMap<>();
        results.put(Collectors.DEVICE, new CollectorResult(0, d.sample().isPresent(), ""));
        results.put(Collectors.PROCESSES, new CollectorResult(0, d.errors().stream()
                .noneMatch(e -> e.contains("Process")), ""));
        return b.build(nanoTime, d.sample().isPresent(), d.sample().isPresent() ? "" : String.join("; ", d.errors()),
                results);
    }

    /** The same values marked stale: the device did not answer in time. */
    public GpuRecord stale(String why) {
        return new GpuRecord(index, identity, sample, gpm, processes, sampledAtNanos, false, why, collectors, xidErrors,
                lastXid, mig, activity, attribution, interconnect);
    }

    /** The same record with the Xid counts the event thread has seen. */
    public GpuRecord withXid(long events, long last) {
        return new GpuRecord(index, identity, sample, gpm, processes, sampledAtNanos, up, reason, collectors, events, last,
                mig, activity, attribution, interconnect);
    }

    /** The same record with its activity fields (GPM ids and units) and their source replaced. */
    public GpuRecord withActivity(Map<Integer, Double> activityValues, ActivitySource source) {
        return new GpuRecord(index, identity, sample, activityValues, processes, sampledAtNanos, up, reason, collectors,
                xidErrors, lastXid, mig, source, attribution, interconnect);
    }

    /** The outcome of one collector on one device in one cycle. */
    public record CollectorResult(double durationSeconds, boolean success, String error) {
    }

    /** Filled in by the collectors of one cycle on the device's worker thread. */
    public static final class Builder {
        private final int index;
        private Optional<GpuIdentity> identity = Optional.empty();
        private Optional<DeviceSample> sample = Optional.empty();
        private final Map<Integer, Double> gpm = new HashMap<>();
        private List<GpuProcess> processes = List.of();
        private final MigInstances.Builder mig = new MigInstances.Builder();
        private MigInstances migRead;
        private Optional<Boolean> gpmSupported = Optional.empty();
        private GpuAttribution attribution = GpuAttribution.NONE;
        private GpuInterconnect interconnect = GpuInterconnect.NONE;

        public Builder(int index) {
            this.index = index;
        }

        public Builder identity(GpuIdentity id) {
            this.identity = Optional.of(id);
            return this;
        }

        public Builder sample(DeviceSample s) {
            this.sample = Optional.of(s);
            return this;
        }

        public Builder gpm(List<GpmMetric> metrics) {
            for (GpmMetric m : metrics) {
                m.value().ifPresent(v -> gpm.put(m.metricId(), v));
            }
            return this;
        }

        public Builder gpmValue(int metricId, double value) {
            gpm.put(metricId, value);
            return this;
        }

        /** Whether NVML GPM works on the GPU (the gpm collector asks every cycle). */
        public Builder gpmSupported(boolean supported) {
            this.gpmSupported = Optional.of(supported);
            return this;
        }

        public Builder processes(List<GpuProcess> p) {
            this.processes = List.copyOf(p);
            return this;
        }

        /** The GPU's MIG devices (the device collector; empty when MIG is off). */
        public Builder migDevices(List<MigDevice> devices) {
            mig.devices(devices);
            return this;
        }

        /** MIG devices read elsewhere (a snapshot's {@link DeviceReading}); replaces what the collectors add. */
        public Builder mig(MigInstances read) {
            this.migRead = read;
            return this;
        }

        /** GPM metrics of one MIG GPU instance (the gpm collector). */
        public Builder migGpm(int gpuInstanceId, List<GpmMetric> metrics) {
            mig.gpm(gpuInstanceId, metrics);
            return this;
        }

        boolean migDevicesRead() {
            return mig.devicesRead();
        }

        List<MigDevice> migDevices() {
            return mig.devices();
        }

        public Builder attribution(GpuAttribution a) {
            this.attribution = a;
            return this;
        }

        public Builder interconnect(GpuInterconnect i) {
            this.interconnect = java.util.Objects.requireNonNull(i);
            return this;
        }

        public GpuRecord build(long sampledAtNanos, boolean up, String reason, Map<String, CollectorResult> results) {
            return new GpuRecord(index, identity, sample, gpm, processes, sampledAtNanos, up, reason, results, 0, 0,
                    migRead != null ? migRead : mig.build(), ActivitySource.ofNvml(!gpm.isEmpty(), gpmSupported),
                    attribution, interconnect);
        }
    }
}
