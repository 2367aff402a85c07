package io.flopwatch.telemetry;

import java.time.Duration;
import java.time.Instant;

/** A ticker that moves only when a test advances it; monotonic and wall time move together. */
public final class FakeTicker implements Ticker {
    private long nanos;
    private final Instant wallAtZero;

    public FakeTicker() {
        this(Instant.parse("2026-01-01T00:00:00Z"));
    }

    public FakeTicker(Instant wallAtZero) {
        this.wallAtZero = wallAtZero;
    }

    public synchronized FakeTicker advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("time does not go backwards: " + d);
        }
        nanos += d.toNanos();
        return this;
    }

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    @Override
    public synchronized Instant now() {
        return wallAtZero.plusNanos(nanos);
    }
}
