package io.flopwatch.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScopeMappingTest {

    // Expected values follow from the definition in ScopeMapping's Javadoc (even split of work
    // over the job's GPUs): JOB × node/job, NODE unchanged, GPU × node.
    @ParameterizedTest(name = "{1} {0} tok/s, job {2} GPUs, node {3} → {4}")
    @CsvSource({
            // 4 nodes × 8 GPUs; the job does 320 000 tok/s, so one node does a quarter
            "320000, JOB, 32, 8, 80000",
            // torchtitan-style per-GPU 10 000 tok/s on an 8-GPU node
            "10000,  GPU, 32, 8, 80000",
            "80000,  NODE, 32, 8, 80000",
            // single-node job: JOB and NODE coincide
            "5000,   JOB, 8, 8, 5000",
            // a job that uses only 2 of a node's GPUs: its per-GPU rate times the 2 it uses
            "1500,   GPU, 2, 2, 3000",
            "0,      JOB, 16, 8, 0",
    })
    void nodeShare(double reading, ThroughputScope scope, int jobGpus, int nodeGpus, double expected) {
        assertEquals(expected, ScopeMapping.nodeTokensPerSecond(reading, scope, jobGpus, nodeGpus), 1e-9);
    }

    @ParameterizedTest
    @CsvSource({"8, 16", "0, 0", "4, 0"})
    void rejectsImpossibleGpuCounts(int jobGpus, int nodeGpus) {
        assertThrows(IllegalArgumentException.class,
                () -> ScopeMapping.nodeTokensPerSecond(1, ThroughputScope.JOB, jobGpus, nodeGpus));
    }

    @Test
    void rejectsNegativeAndNonFiniteReadings() {
        assertThrows(IllegalArgumentException.class,
                () -> ScopeMapping.nodeTokensPerSecond(-1, ThroughputScope.NODE, 8, 8));
        assertThrows(IllegalArgumentException.class,
                () -> ScopeMapping.nodeTokensPerSecond(Double.NaN, ThroughputScope.NODE, 8, 8));
        assertThrows(IllegalArgumentException.class,
                () -> ScopeMapping.nodeTokensPerSecond(Double.POSITIVE_INFINITY, ThroughputScope.NODE, 8, 8));
    }

    @Test
    void observationInNodeScopeKeepsPerGpuSelfReports() {
        ThroughputObservation o = ThroughputObservation.of(0, WorkloadPhase.TRAINING, TokenReading.RATE, 1000,
                ThroughputScope.GPU).withSelfReportedMfu(0.4).withSelfReportedTflopsPerGpu(395);
        ThroughputObservation n = o.inNodeScope(16, 8);
        assertEquals(8000, n.tokens(), 1e-9);
        assertEquals(ThroughputScope.NODE, n.scope());
        assertEquals(0.4, n.selfReportedMfu().getAsDouble());
        assertEquals(395, n.selfReportedTflopsPerGpu().getAsDouble());
    }
}
