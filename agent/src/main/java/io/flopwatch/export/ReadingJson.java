package io.flopwatch.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flopwatch.attribution.Attributor;
import io.flopwatch.attribution.ProcessOwner;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flopwatch.nvml.DeviceSample;
import io.flopwatch.nvml.GpmMetric;
import io.flopwatch.nvml.GpuIdentity;
import io.flopwatch.nvml.GpuProcess;
import io.flopwatch.nvml.Reliability;
import io.flopwatch.telemetry.ClockEventReason;
import io.flopwatch.telemetry.DeviceReading;
import io.flopwatch.telemetry.NodeReading;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A {@link NodeReading} as one JSON document: snake_case names with the unit in the name
 * ({@code memory_used_bytes}, {@code power_watts}, {@code sm_clock_hz}), a value NVML does not
 * offer written as {@code null}. The field list is documented in docs/snapshot.md.
 */
public final class ReadingJson {

    /** GPM metric ids → JSON names; units per nvml.h's nvmlGpmMetricId_t (percent, MiB/s). */
    static final Map<Integer, String> GPM_NAMES = Map.ofEntries(
            Map.entry(GpmMetric.SM_UTIL, "sm_active_percent"),
            Map.entry(GpmMetric.SM_OCCUPANCY, "sm_occupancy_percent"),
            Map.entry(GpmMetric.ANY_TENSOR_UTIL, "tensor_active_percent"),
            Map.entry(GpmMetric.HMMA_TENSOR_UTIL, "tensor_hmma_active_percent"),
            Map.entry(GpmMetric.DRAM_BW_UTIL, "dram_bandwidth_utilization_percent"),
            Map.entry(GpmMetric.FP64_UTIL, "fp64_pipe_active_percent"),
            Map.entry(GpmMetric.FP32_UTIL, "fp32_pipe_active_percent"),
            Map.entry(GpmMetric.FP16_UTIL, "fp16_pipe_active_percent"),
            Map.entry(GpmMetric.PCIE_TX_PER_SEC, "pcie_tx_mebibytes_per_second"),
            Map.entry(GpmMetric.PCIE_RX_PER_SEC, "pcie_rx_mebibytes_per_second"),
            Map.entry(GpmMetric.NVLINK_TOTAL_TX_PER_SEC, "nvlink_tx_mebibytes_per_second"),
            Map.entry(GpmMetric.NVLINK_TOTAL_RX_PER_SEC, "nvlink_rx_mebibytes_per_second"));

    private final ObjectMapper mapper;
    private final Attributor attributor;

    /** Processes with NVML's values only (no owners). */
    public ReadingJson(ObjectMapper mapper) {
        this(mapper, Attributor.nvmlOnly());
    }

    /** Processes with their owners and the GPUs' HPC jobs (docs/attribution.md). */
    public ReadingJson(ObjectMapper mapper, Attributor attributor) {
        this.mapper = mapper;
        this.attributor = attributor;
    }

    public ObjectNode toJson(NodeReading reading) {
        ObjectNode root = mapper.createObjectNode();
        root.put("simulated", reading.simulated());
        root.put("taken_at", reading.takenAt().toString());
        root.put("gpm_interval_seconds", reading.gpmInterval().toNanos() / 1e9);
        ObjectNode system = root.putObject("system");
        system.put("driver_version", reading.system().driverVersion());
        system.put("nvml_version", reading.system().nvmlVersion());
        OptionalInt major = reading.system().cudaMajor();
        OptionalInt minor = reading.system().cudaMinor();
        if (major.isPresent() && minor.isPresent()) {
            system.put("cuda_driver_version", major.getAsInt() + "." + minor.getAsInt());
        } else {
            system.putNull("cuda_driver_version");
        }
        ArrayNode devices = root.putArray("devices");
        for (DeviceReading d : reading.devices()) {
            devices.add(device(d));
        }
        return root;
    }

    private ObjectNode device(DeviceReading d) {
        ObjectNode o = mapper.createObjectNode();
        o.put("index", d.index());
        d.identity().ifPresent(id -> identity(o, id));
        d.sample().ifPresent(s -> sample(o, s));
        d.reliability().ifPresent(r -> reliability(o, r));
        o.put("nvlink_links", d.nvlinkActive().size());
        o.put("nvlink_links_active", d.nvlinkActive().stream().filter(b -> b).count());
        o.put("gpm_supported", d.gpmSupported());
        ObjectNode gpm = o.putObject("gpm");
        for (GpmMetric m : d.gpm()) {
            String name = GPM_NAMES.getOrDefault(m.metricId(), "metric_" + m.metricId());
            put(gpm, name, m.value());
        }
        ArrayNode procs = o.putArray("processes");
        for (GpuProcess p : d.processes()) {
            ObjectNode po = procs.addObject();
            po.put("pid", p.pid());
            put(po, "used_gpu_memory_bytes", p.usedGpuMemoryBytes());
            put(po, "gpu_instance_id", p.gpuInstanceId());
            put(po, "compute_instance_id", p.computeInstanceId());
            owner(po, attributor.owner(p.pid()));
        }
        mig(o, d);
        ArrayNode jobs = o.putArray("hpc_jobs");
        attributor.hpcJobs(d.index()).forEach(jobs::add);
        ArrayNode errors = o.putArray("errors");
        d.errors().forEach(errors::add);
        return o;
    }

    /** The GPU's MIG devices (docs/mig.md); an empty array when MIG is off. */
    private void mig(ObjectNode o, DeviceReading d) {
        ArrayNode migs = o.putArray("mig_devices");
        for (io.flopwatch.telemetry.MigInstances.MigInstance m : d.mig().instances()) {
            io.flopwatch.nvml.MigDevice x = m.device();
            ObjectNode mo = migs.addObject();
            mo.put("mig_index", x.migIndex());
            mo.put("uuid", x.uuid());
            mo.put("name", x.name());
            put(mo, "profile", x.profile());
            mo.put("gpu_instance_id", x.gpuInstanceId());
            mo.put("compute_instance_id", x.computeInstanceId());
            put(mo, "gpu_instance_slices", x.gpuInstanceSliceCount());
            put(mo, "compute_slices", x.computeInstanceSliceCount());
            put(mo, "multiprocessors", x.multiprocessorCount());
            put(mo, "memory_total_bytes", x.memoryTotalBytes());
            put(mo, "memory_used_bytes", x.memoryUsedBytes());
            ObjectNode gpm = mo.putObject("gpm");
            for (var e : new java.util.TreeMap<>(m.gpm()).entrySet()) {
                gpm.put(GPM_NAMES.getOrDefault(e.getKey(), "metric_" + e.getKey()), e.getValue());
            }
            ArrayNode procs = mo.putArray("processes");
            for (GpuProcess p : x.processes()) {
                ObjectNode po = procs.addObject();
                po.put("pid", p.pid());
                put(po, "used_gpu_memory_bytes", p.usedGpuMemoryBytes());
            }
        }
    }

    /** A process's owner fields (docs/attribution.md), {@code null} when unknown. */
    static void owner(ObjectNode o, ProcessOwner w) {
        OwnerFields.each(w, (name, v) -> text(o, name, v));
    }

    private static void text(ObjectNode o, String field, String v) {
        if (v.isEmpty()) {
            o.putNull(field);
        } else {
            o.put(field, v);
        }
    }

    private static void identity(ObjectNode o, GpuIdentity id) {
        o.put("uuid", id.uuid());
        o.put("name", id.name());
        put(o, "serial", id.serial());
        o.put("pci_bus_id", id.pciBusId());
        o.put("pci_device_id", String.format("0x%08x", id.pciDeviceId()));
        o.put("pci_subsystem_id", String.format("0x%08x", id.pciSubSystemId()));
        o.put("architecture", id.architecture().name().toLowerCase(java.util.Locale.ROOT));
        if (id.computeCapabilityMajor().isPresent() && id.computeCapabilityMinor().isPresent()) {
            o.put("compute_capability", id.computeCapabilityMajor().getAsInt() + "." + id.computeCapabilityMinor().getAsInt());
        } else {
            o.putNull("compute_capability");
        }
        put(o, "gpu_cores", id.gpuCoreCount());
        put(o, "minor_number", id.minorNumber());
        put(o, "mig_mode_current", id.migModeCurrent());
        put(o, "mig_mode_pending", id.migModePending());
    }

    private static void sample(ObjectNode o, DeviceSample s) {
        var u = s.utilization();
        put(o, "gpu_utilization_percent", u.gpuPercent());
        put(o, "memory_utilization_percent", u.memoryPercent());
        put(o, "encoder_utilization_percent", u.encoderPercent());
        put(o, "decoder_utilization_percent", u.decoderPercent());
        var m = s.memory();
        put(o, "memory_total_bytes", m.totalBytes());
        put(o, "memory_used_bytes", m.usedBytes());
        put(o, "memory_free_bytes", m.freeBytes());
        put(o, "memory_reserved_bytes", m.reservedBytes());
        put(o, "bar1_total_bytes", m.bar1TotalBytes());
        put(o, "bar1_used_bytes", m.bar1UsedBytes());
        put(o, "bar1_free_bytes", m.bar1FreeBytes());
        var c = s.clocks();
        put(o, "graphics_clock_hz", c.graphicsHertz());
        put(o, "sm_clock_hz", c.smHertz());
        put(o, "memory_clock_hz", c.memoryHertz());
        put(o, "video_clock_hz", c.videoHertz());
        put(o, "graphics_clock_max_hz", c.graphicsMaxHertz());
        put(o, "sm_clock_max_hz", c.smMaxHertz());
        put(o, "memory_clock_max_hz", c.memoryMaxHertz());
        put(o, "applications_graphics_clock_hz", c.applicationsGraphicsHertz());
        put(o, "applications_memory_clock_hz", c.applicationsMemoryHertz());
        put(o, "performance_state", c.performanceState());
        put(o, "clock_event_reasons_mask", c.eventReasons());
        ArrayNode reasons = o.putArray("clock_event_reasons");
        c.eventReasons().ifPresent(mask -> ClockEventReason.labels(mask).forEach(reasons::add));
        var p = s.power();
        put(o, "power_watts", p.usageWatts());
        put(o, "power_limit_enforced_watts", p.enforcedLimitWatts());
        put(o, "power_limit_management_watts", p.managementLimitWatts());
        put(o, "energy_total_joules", p.totalEnergyJoules());
        var t = s.thermal();
        put(o, "temperature_celsius", t.gpuTemperatureCelsius());
        put(o, "fan_speed_percent", t.fanSpeedPercent());
        var x = s.pcie();
        put(o, "pcie_tx_kilobytes_per_second", x.txKilobytesPerSecond());
        put(o, "pcie_rx_kilobytes_per_second", x.rxKilobytesPerSecond());
        put(o, "pcie_link_generation", x.linkGenerationCurrent());
        put(o, "pcie_link_width", x.linkWidthCurrent());
        put(o, "pcie_link_generation_max", x.linkGenerationMax());
        put(o, "pcie_link_width_max", x.linkWidthMax());
    }

    private static void reliability(ObjectNode o, Reliability r) {
        put(o, "ecc_corrected_volatile_total", r.eccCorrectedVolatile());
        put(o, "ecc_uncorrected_volatile_total", r.eccUncorrectedVolatile());
        put(o, "ecc_corrected_aggregate_total", r.eccCorrectedAggregate());
        put(o, "ecc_uncorrected_aggregate_total", r.eccUncorrectedAggregate());
        put(o, "retired_pages_single_bit", r.retiredPagesSingleBit());
        put(o, "retired_pages_double_bit", r.retiredPagesDoubleBit());
        put(o, "remapped_rows_correctable", r.remappedRowsCorrectable());
        put(o, "remapped_rows_uncorrectable", r.remappedRowsUncorrectable());
        put(o, "remapping_pending", r.remappingPending());
        put(o, "remapping_failed", r.remappingFailed());
    }

    static void put(ObjectNode o, String name, OptionalLong v) {
        if (v.isPresent()) {
            o.put(name, v.getAsLong());
        } else {
            o.putNull(name);
        }
    }

    static void put(ObjectNode o, String name, OptionalInt v) {
        if (v.isPresent()) {
            o.put(name, v.getAsInt());
        } else {
            o.putNull(name);
        }
    }

    static void put(ObjectNode o, String name, OptionalDouble v) {
        if (v.isPresent()) {
            o.put(name, v.getAsDouble());
        } else {
            o.putNull(name);
        }
    }

    static void put(ObjectNode o, String name, Optional<String> v) {
        if (v.isPresent()) {
            o.put(name, v.get());
        } else {
            o.putNull(name);
        }
    }
}
