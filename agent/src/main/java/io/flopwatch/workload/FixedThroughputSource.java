package io.flopwatch.workload;

import io.flopwatch.telemetry.Ticker;
import java.util.List;

/**
 * A workload whose throughput is known in advance: every poll reports the same node tokens/s.
 * For {@code flopwatch demo} (whose simulated workload has no process to ask) and for tests.
 */
public final class FixedThroughputSource implements ThroughputSource {
    private final double tokensPerSecond;
    private final WorkloadPhase phase;
    private final Ticker ticker;

    public FixedThroughputSource(double tokensPerSecond, WorkloadPhase phase, Ticker ticker) {
        if (!(tokensPerSecond >= 0) || Double.isInfinite(tokensPerSecond)) {
            throw new IllegalArgumentException("tokens/s must be finite and >= 0: " + tokensPerSecond);
        }
        this.tokensPerSecond = tokensPerSecond;
        this.phase = phase;
        this.ticker = ticker;
    }

    @Override
    public String name() {
        return "fixed";
    }

    @Override
    public List<ThroughputObservation> poll() {
        return List.of(ThroughputObservation.of(ticker.nanoTime(), phase, TokenReading.RATE, tokensPerSecond,
                ThroughputScope.NODE));
    }
}
