package io.flopwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code flopwatch snapshot} shows the live agent's analysis beside the raw readings. */
class SnapshotAnalysisTest {

    @Test
    void snapshotJsonCarriesTheAnalysis() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.execute(new PrintWriter(out), new PrintWriter(err), "snapshot", "--simulate", "--json",
                "--gpm-interval", "100");
        assertEquals(0, rc, err.toString());
        JsonNode analysis = new ObjectMapper().readTree(out.toString()).get("analysis");
        assertEquals(8, analysis.get("gpus").size());
        JsonNode gpu0 = analysis.get("gpus").get(0);
        // the demo scenario: H100 SXM (catalog dense bf16 989.5 TFLOP/s), training load
        assertEquals(989.5e12, gpu0.get("peak_flops").asDouble(), 1e6);
        assertEquals("compute_bound", gpu0.get("diagnosis").asText());
        assertTrue(gpu0.get("tensor_flops_estimate").asDouble() > 0);
    }

    @Test
    void snapshotTableHasAnAnalysisSection() {
        StringWriter out = new StringWriter();
        int rc = Main.execute(new PrintWriter(out), new PrintWriter(new StringWriter()), "snapshot", "--simulate",
                "--gpm-interval", "100");
        assertEquals(0, rc);
        assertTrue(out.toString().contains("analysis (docs/diagnosis.md"), out.toString());
        assertTrue(out.toString().contains("compute_bound"), out.toString());
    }
}
