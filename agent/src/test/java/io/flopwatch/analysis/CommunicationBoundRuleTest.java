package io.flopwatch.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flopwatch.analysis.CommunicationBoundRule.Observation;
import io.flopwatch.analysis.CommunicationBoundRule.Thresholds;
import io.flopwatch.analysis.CommunicationBoundRule.Verdict;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CommunicationBoundRuleTest {

    private static OptionalDouble opt(Double d) {
        return d == null ? OptionalDouble.empty() : OptionalDouble.of(d);
    }

    // Thresholds: SM active < 0.5 (DCGM user guide on SM activity), tensor active < 0.2 and link
    // >= 0.6 of capacity (flopwatch's choices, docs/interconnect.md). Rows are the cases the rule
    // must separate.
    @ParameterizedTest(name = "sm={0} tensor={1} nvlink={2} nic={3}: {4}")
    @CsvSource(delimiter = '|', textBlock = """
            # all-reduce-heavy step: tensor pipes mostly idle, NVLink near its ceiling
            0.30 | 0.05 | 0.85 |      | COMMUNICATION_BOUND | tensor active 5% while NVLink at 85% of capacity
            # inter-node data parallel: the NIC is the busy link
            0.30 | 0.05 | 0.10 | 0.92 | COMMUNICATION_BOUND | tensor active 5% while NIC at 92% of capacity
            # compute overlaps communication well: busy link but busy tensor pipes
            0.90 | 0.60 | 0.85 |      | NOT_COMMUNICATION_BOUND | tensor active 60% while NVLink at 85% of capacity
            # idle compute, idle links: a data-loader or host stall, not communication
            0.10 | 0.02 | 0.05 | 0.03 | NOT_COMMUNICATION_BOUND | tensor active 2% while NVLink at 5% of capacity
            # no tensor metric (pre-Hopper without DCGM): SM activity decides
            0.20 |      | 0.70 |      | COMMUNICATION_BOUND | SM active 20% while NVLink at 70% of capacity
            0.80 |      | 0.70 |      | NOT_COMMUNICATION_BOUND | SM active 80% while NVLink at 70% of capacity
            # exactly at the link threshold counts
            0.20 |      | 0.60 |      | COMMUNICATION_BOUND | SM active 20% while NVLink at 60% of capacity
            # nothing about the links
            0.20 | 0.05 |      |      | UNKNOWN | no NVLink or NIC traffic measured
                 |      | 0.90 |      | UNKNOWN | no SM or tensor activity measured
            """)
    void verdict(Double sm, Double tensor, Double nvlink, Double nic, Verdict expected, String reason) {
        CommunicationBoundRule.Result r = CommunicationBoundRule.evaluate(
                new Observation(opt(sm), opt(tensor), opt(nvlink), opt(nic)), Thresholds.DEFAULT);
        assertEquals(expected, r.verdict());
        assertEquals(reason, r.reason());
        assertEquals(expected, CommunicationBoundRule.verdict(
                new Observation(opt(sm), opt(tensor), opt(nvlink), opt(nic)), Thresholds.DEFAULT), "without the reason");
    }

    @Test
    void nvlinkUtilizationUsesHalfTheQuotedBidirectionalBandwidth() {
        // H100 SXM: 900 GB/s total NVLink (NVIDIA H100 datasheet) = 450 GB/s per direction;
        // 360 GB/s sent is 80% of one direction.
        assertEquals(0.8, CommunicationBoundRule.nvlinkUtilization(360e9, 100e9, 900e9).getAsDouble(), 1e-12);
        assertEquals(OptionalDouble.empty(), CommunicationBoundRule.nvlinkUtilization(1, 1, 0), "no NVLink");
        assertThrows(IllegalArgumentException.class, () -> new Thresholds(0.5, 0, 0.6));
    }
}
