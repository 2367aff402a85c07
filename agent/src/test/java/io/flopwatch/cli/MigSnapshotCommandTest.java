package io.flopwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code flopwatch snapshot --simulate config/scenarios/mig-h100.scenario} shows the GPU's MIG
 * devices (expected values: that scenario's mig_instance lines) and no device utilization (NVML
 * does not offer it on a GPU with MIG on).
 */
class MigSnapshotCommandTest {

    static final Path SCENARIO = Path.of("../config/scenarios/mig-h100.scenario");
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    @Test
    void jsonListsTheMigDevices() {
        CliRun r = CliRun.run("snapshot", "--json", "--simulate", SCENARIO.toString(), "--gpm-interval", "100");
        assertEquals(0, r.status(), r.err());
        JsonNode gpu = r.json().at("/devices/0");
        assertEquals(1, gpu.get("mig_mode_current").asInt());
        assertTrue(gpu.get("gpu_utilization_percent").isNull(), "not supported with MIG on: " + gpu);
        JsonNode migs = gpu.get("mig_devices");
        assertEquals(3, migs.size());
        JsonNode big = migs.get(0);
        assertEquals("MIG-5afe0de0-0000-4000-8000-00000000a101", big.get("uuid").asText());
        assertEquals("3g.40gb", big.get("profile").asText());
        assertEquals(1, big.get("gpu_instance_id").asInt());
        assertEquals(0, big.get("compute_instance_id").asInt());
        assertEquals(3, big.get("compute_slices").asInt());
        assertEquals(60, big.get("multiprocessors").asInt());
        assertEquals(40448 * MIB, big.get("memory_total_bytes").asLong());
        assertEquals(36 * GIB, big.get("memory_used_bytes").asLong());
        assertEquals(41000, big.at("/processes/0/pid").asLong());
        assertTrue(big.at("/gpm/sm_active_percent").isNumber(), "GPM of GPU instance 1: " + big);
        assertEquals(java.util.List.of("2g.20gb", "2g.20gb"),
                java.util.List.of(migs.get(1).get("profile").asText(), migs.get(2).get("profile").asText()));
    }

    @Test
    void tableHasARowPerMigDevice() {
        CliRun r = CliRun.run("snapshot", "--simulate", SCENARIO.toString(), "--gpm-interval", "100");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("MIG profile"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.contains("3g.40gb") && l.contains("1/0") && l.contains("3/7")
                && l.contains("MIG-5afe0de0-0000-4000-8000-00000000a101")), r.out());
        assertEquals(2, r.out().lines().filter(l -> l.contains("2g.20gb") && l.contains("2/7")).count(), r.out());
    }
}
