package io.flopwatch.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flopwatch.analysis.DiagnosisState;
import io.flopwatch.analysis.GpuAnalysis;
import io.flopwatch.analysis.WorkloadAnalysis;
import io.flopwatch.config.AgentConfig;
import io.flopwatch.gpu.Precision;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.Snapshot;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogLinesTest {

    /** A node of two GPUs: GPU 0 busy, GPU 1 stale for 5 s; one workload at 40 % MFU. */
    static Snapshot snapshot() {
        long now = 10_000_000_000L;
        GpuRecord g0 = new GpuRecord.Builder(0).build(now, true, "", Map.of());
        GpuRecord g1 = new GpuRecord.Builder(1).build(now - 5_000_000_000L, false, "collection did not finish", Map.of());
        GpuAnalysis a0 = new GpuAnalysis(0, "GPU-0", "H100", "h100-sxm", 0.98, 0.86, 0.34, 0.47, 0.38, 0, 0.06, 0.01,
                2e10, 0.02, 1e8, 0.001, 1.83e9, 1.98e9, 0, 1, Precision.BF16, 989.5e12, 914.5e12, 0.47 * 989.5e12,
                DiagnosisState.COMPUTE_BOUND);
        GpuAnalysis a1 = new GpuAnalysis(1, "GPU-1", "H100", "h100-sxm", Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, 0, -1, Precision.BF16, 989.5e12, Double.NaN, Double.NaN, DiagnosisState.UNKNOWN);
        WorkloadAnalysis w = new WorkloadAnalysis("train", "llama-3-8b", "train", Precision.BF16, List.of(0), 6834.0,
                57.91e9, 57.91e9, 3.958e14, 3.958e14, 989.5e12, 0.40, 0.40, 0.47 * 989.5e12, 0.47, 0.07,
                DiagnosisState.COMPUTE_BOUND);
        return new Snapshot(Instant.parse("2026-01-01T12:00:01Z"), now, true, "", true, Optional.empty(),
                List.of(g0, g1), List.of(a0, a1), List.of(w), Map.of());
    }

    @Test
    void jsonLineCarriesTheNumbersWithUnitsAndNullForUnmeasured() throws Exception {
        String line = LogLines.json(snapshot());
        assertTrue(!line.contains("\n"), "one line");
        JsonNode j = new ObjectMapper().readTree(line);
        assertEquals("2026-01-01T12:00:01Z", j.get("time").asText());
        assertEquals(0.40, j.at("/workloads/0/mfu_ratio").asDouble(), 1e-12);
        assertEquals("compute_bound", j.at("/workloads/0/diagnosis").asText());
        assertEquals(0.47, j.at("/gpus/0/tensor_active_ratio").asDouble(), 1e-12);
        assertTrue(j.at("/gpus/1/tensor_active_ratio").isNull(), "NaN is written as null");
        assertEquals(false, j.at("/gpus/1/up").asBoolean());
        assertEquals(5.0, j.at("/gpus/1/sample_age_seconds").asDouble(), 1e-9);
    }

    @Test
    void humanLineIsCompact() {
        assertEquals("12:00:01Z train: MFU 40.0% HFU 40.0% 6.8k tok/s est 47.0% compute_bound |"
                + " gpu0 98.0% sm86.0% tc47.0% compute_bound nvl2.0% gpu1 STALE 5s", LogLines.human(snapshot()));
    }

    @Test
    void fileIsRotatedBySize(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("flopwatch.jsonl");
        int lineBytes = LogLines.json(snapshot()).length() + 1;
        // room for two lines per file, two rotated files kept
        LogWriter w = new LogWriter(new AgentConfig.Log(true, "json", Optional.of(file), 2L * lineBytes, 2, 1),
                new PrintWriter(new StringWriter()));
        for (int i = 0; i < 7; i++) {
            w.accept(snapshot());
        }
        assertEquals(1, Files.readAllLines(file).size());
        assertEquals(2, Files.readAllLines(dir.resolve("flopwatch.jsonl.1")).size());
        assertEquals(2, Files.readAllLines(dir.resolve("flopwatch.jsonl.2")).size());
        assertTrue(Files.notExists(dir.resolve("flopwatch.jsonl.3")));
    }

    @Test
    void everyNthInterval() {
        StringWriter out = new StringWriter();
        LogWriter w = new LogWriter(new AgentConfig.Log(true, "human", Optional.empty(), 1000, 1, 3), new PrintWriter(out));
        for (int i = 0; i < 7; i++) {
            w.accept(snapshot());
        }
        assertEquals(3, out.toString().lines().count(), "intervals 1, 4 and 7");
    }
}
