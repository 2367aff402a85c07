package io.flopwatch.workload;

import java.util.OptionalDouble;
import java.util.OptionalLong;

/** Helpers shared by the preset parsers. */
final class Parsers {
    private Parsers() {
    }

    /** An observation that carries only self-reported figures, no token count. */
    static ThroughputObservation noTokens(long nanoTime, WorkloadPhase phase, ThroughputScope scope) {
        return new ThroughputObservation(nanoTime, phase, null, Double.NaN, scope, OptionalLong.empty(),
                OptionalDouble.empty(), OptionalDouble.empty());
    }

    /** Whether an observation says anything at all. */
    static boolean informative(ThroughputObservation o) {
        return o.hasTokens() || o.selfReportedMfu().isPresent() || o.selfReportedTflopsPerGpu().isPresent();
    }
}
