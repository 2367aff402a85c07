package io.flopwatch.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flopwatch.analysis.WorkloadAnalysis;
import io.flopwatch.analysis.WorkloadEnergy;
import io.flopwatch.nvml.DeviceSample;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.Snapshot;
import io.flopwatch.telemetry.interconnect.GpuInterconnect;
import io.flopwatch.telemetry.interconnect.NvlinkFields;
import io.flopwatch.telemetry.interconnect.PciTopology;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The interconnect and energy fields of the log lines (docs/metrics.md, "Log lines"). */
class InterconnectLogLinesTest {

    /** LogLinesTest's snapshot with GPU 0 busy on a Gen4 x8 link of a Gen5 x16 GPU, NVLink errors, a NIC, and energy. */
    static Snapshot snapshot() {
        Snapshot base = LogLinesTest.snapshot();
        OptionalLong noL = OptionalLong.empty();
        OptionalInt noI = OptionalInt.empty();
        OptionalDouble noD = OptionalDouble.empty();
        DeviceSample sample = new DeviceSample(0, new DeviceSample.Utilization(OptionalInt.of(98), noI, noI, noI),
                new DeviceSample.Memory(noL, noL, noL, noL, noL, noL, noL),
                new DeviceSample.Clocks(noL, noL, noL, noL, noL, noL, noL, noL, noL, noI, noL),
                new DeviceSample.Power(OptionalDouble.of(650), OptionalDouble.of(700), noD, OptionalDouble.of(123456.0)),
                new DeviceSample.Thermal(noI, noI),
                new DeviceSample.Pcie(noL, noL, OptionalInt.of(4), OptionalInt.of(8), OptionalInt.of(5), OptionalInt.of(16)),
                false);
        GpuInterconnect ic = new GpuInterconnect(List.of(true, true, false),
                List.of(new NvlinkFields.LinkRates(0, OptionalDouble.of(1e9), OptionalDouble.of(2e9))),
                Map.of("nvlink_crc_flit_errors", 3L, "nvlink_replay_errors", 0L), OptionalLong.of(7),
                Optional.of(new GpuInterconnect.NearestNic("mlx5_0", 1, PciTopology.Closeness.PIX,
                        OptionalDouble.of(0.7))));
        GpuRecord g0 = new GpuRecord.Builder(0).sample(sample).interconnect(ic).build(base.nanoTime(), true, "", Map.of());
        WorkloadAnalysis w = base.workloads().get(0).withEnergy(new WorkloadEnergy(5600, 0.56, 5.65e11));
        return new Snapshot(base.takenAt(), base.nanoTime(), true, "", true, Optional.empty(),
                List.of(g0, base.gpus().get(1)), base.analyses(), List.of(w), Map.of());
    }

    @Test
    void jsonCarriesLinksErrorsNicAndEnergy() throws Exception {
        JsonNode j = new ObjectMapper().readTree(LogLines.json(snapshot()));
        JsonNode g = j.at("/gpus/0");
        assertEquals(2, g.get("nvlink_links_active").asInt());
        assertEquals(3, g.get("nvlink_links").asInt());
        assertEquals(3, g.at("/nvlink_errors/nvlink_crc_flit_errors").asLong());
        assertEquals(7, g.get("pcie_replays").asLong());
        // busy (98 %) at Gen4 x8 on a Gen5 x16 link: PcieLinkCheck's verdict
        assertEquals("generation_and_width_degraded", g.get("pcie_link").asText());
        assertEquals("mlx5_0", g.at("/nic/device").asText());
        assertEquals("PIX", g.at("/nic/closeness").asText());
        assertEquals(0.7, g.at("/nic/utilization_ratio").asDouble(), 1e-12);
        assertEquals(123456.0, g.get("energy_total_joules").asDouble(), 1e-9);
        assertEquals(0.56, j.at("/workloads/0/joules_per_token").asDouble(), 1e-12);
        assertEquals(5600, j.at("/workloads/0/power_watts").asDouble(), 1e-9);
        assertTrue(j.at("/gpus/1/nvlink_utilization_ratio").isNull());
        assertTrue(j.path("nics").isMissingNode(), "no RDMA ports: no nics array");
    }

    @Test
    void humanLineFlagsOnlyWhatIsKnownOrWrong() {
        assertEquals("12:00:01Z train: MFU 40.0% HFU 40.0% 6.8k tok/s est 47.0% compute_bound 0.560J/tok |"
                + " gpu0 98.0% sm86.0% tc47.0% compute_bound nvl2.0% pcie:generation_and_width_degraded nic70.0%"
                + " gpu1 STALE 5s", LogLines.human(snapshot()));
    }
}
