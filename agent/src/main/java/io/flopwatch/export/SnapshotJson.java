package io.flopwatch.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flopwatch.analysis.WorkloadAnalysis;
import io.flopwatch.nvml.GpmMetric;
import io.flopwatch.nvml.NvmlReturn;
import io.flopwatch.nvml.SystemInfo;
import io.flopwatch.telemetry.DeviceReading;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.NodeReading;
import io.flopwatch.telemetry.Snapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The live agent's last {@link Snapshot} as the JSON document {@code flopwatch snapshot --json}
 * prints, so that there is one documented shape (docs/snapshot.md, docs/agent.md "Snapshot
 * endpoint"): the readings of {@link ReadingJson} under {@code devices}, the analysis of
 * {@link LogLines#json} under {@code analysis}. What only a live agent knows is added: per device
 * {@code up} and {@code sample_age_seconds}, per workload the GPU indexes it runs on. Pure:
 * formats a snapshot, reads nothing else.
 */
public final class SnapshotJson {

    private final ObjectMapper mapper;

    public SnapshotJson(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public ObjectNode toJson(Snapshot s) {
        SystemInfo system = s.system().orElse(new SystemInfo("", "", java.util.OptionalInt.empty(), s.simulated()));
        List<DeviceReading> devices = new ArrayList<>();
        for (GpuRecord r : s.gpus()) {
            devices.add(reading(r));
        }
        // The GPM interval of a live agent is the time between two cycles, not one fixed pause.
        ObjectNode root = new ReadingJson(mapper).toJson(new NodeReading(s.takenAt(), Duration.ZERO, s.simulated(),
                system, devices));
        root.putNull("gpm_interval_seconds");
        if (s.system().isEmpty()) {
            ObjectNode sys = (ObjectNode) root.get("system");
            sys.putNull("driver_version");
            sys.putNull("nvml_version");
        }
        ArrayNode deviceNodes = (ArrayNode) root.get("devices");
        for (int i = 0; i < s.gpus().size(); i++) {
            GpuRecord r = s.gpus().get(i);
            ObjectNode d = (ObjectNode) deviceNodes.get(i);
            // The sampler does not read NVLink link states: unknown, not zero links.
            d.putNull("nvlink_links");
            d.putNull("nvlink_links_active");
            d.put("up", r.up());
            d.put("sample_age_seconds", s.sampleAgeSeconds(r));
        }
        JsonNode analysis;
        try {
            analysis = mapper.readTree(LogLines.json(s));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("LogLines.json wrote invalid JSON", e);
        }
        ArrayNode workloads = (ArrayNode) analysis.get("workloads");
        for (int i = 0; i < s.workloads().size(); i++) {
            WorkloadAnalysis w = s.workloads().get(i);
            ObjectNode o = (ObjectNode) workloads.get(i);
            ArrayNode gpus = o.putArray("gpus");
            w.gpuIndexes().forEach(gpus::add);
            o.put("mode", w.mode());
            o.put("precision", w.precision().key());
        }
        root.set("analysis", analysis);
        return root;
    }

    public String toJsonText(Snapshot s) {
        return toJson(s).toString();
    }

    private static DeviceReading reading(GpuRecord r) {
        List<GpmMetric> gpm = new ArrayList<>();
        for (Map.Entry<Integer, Double> e : new java.util.TreeMap<>(r.gpm()).entrySet()) {
            gpm.add(new GpmMetric(e.getKey(), NvmlReturn.SUCCESS, OptionalDouble.of(e.getValue()), "", ""));
        }
        List<String> errors = new ArrayList<>();
        if (!r.up() && !r.reason().isEmpty()) {
            errors.add(r.reason());
        }
        r.collectors().forEach((name, result) -> {
            if (!result.success() && !result.error().isEmpty()) {
                errors.add(name + ": " + result.error());
            }
        });
        return new DeviceReading(r.index(), r.identity(), r.sample(), r.processes(), Optional.empty(), List.of(),
                !r.gpm().isEmpty(), gpm, errors, r.mig());
    }
}
