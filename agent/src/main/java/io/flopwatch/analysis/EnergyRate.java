package io.flopwatch.analysis;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.OptionalDouble;

/**
 * Average power of one GPU over a sliding window, from its cumulative energy counter
 * ({@code nvmlDeviceGetTotalEnergyConsumption}: millijoules since the driver was last loaded,
 * Volta and later; flopwatch reads it as joules in {@code DeviceSample.Power.totalEnergyJoules}).
 *
 * <p>Built like {@link io.flopwatch.workload.TokenRate} so that the two can be read over the same
 * window: consecutive readings make increments of joules over the time between them; the first
 * reading only sets the baseline. A reading lower than the previous one means the counter was reset
 * (the driver was reloaded or the GPU reset, which restarts the count at zero): the reset is
 * counted, the reading becomes the new baseline, and the interval contributes nothing, because the
 * energy used between the last reading and the reset is unknown. Counting the new value as the
 * increment (as Prometheus' {@code rate()} does) would only be right if the reload happened
 * exactly at the previous reading.
 *
 * <p>{@link #averageWatts(long)} is the joules of the increments that ended in
 * {@code (now − window, now]} over the time they cover; empty when there are none (no counter on
 * this GPU, or fewer than two readings). Times are {@link io.flopwatch.telemetry.Ticker#nanoTime()}
 * values; a reading not later than the newest is ignored. Not thread-safe.
 */
public final class EnergyRate {

    private record Increment(long startNanos, long endNanos, double joules) {
    }

    private final long windowNanos;
    private final Deque<Increment> increments = new ArrayDeque<>();
    private double lastJoules = Double.NaN;
    private long lastNanos = Long.MIN_VALUE;
    private long counterResets;

    public EnergyRate(Duration window) {
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive: " + window);
        }
        this.windowNanos = window.toNanos();
    }

    /** One reading of the counter; an absent value (counter not supported) is ignored. */
    public void record(long nanos, OptionalDouble totalEnergyJoules) {
        if (totalEnergyJoules.isEmpty() || nanos <= lastNanos) {
            return;
        }
        double joules = totalEnergyJoules.getAsDouble();
        if (!Double.isNaN(lastJoules)) {
            if (joules < lastJoules) {
                counterResets++;
            } else {
                increments.addLast(new Increment(lastNanos, nanos, joules - lastJoules));
            }
        }
        lastJoules = joules;
        lastNanos = nanos;
    }

    /** Average watts over the window ending at {@code nowNanos}; empty when nothing ended in it. */
    public OptionalDouble averageWatts(long nowNanos) {
        long windowStart = nowNanos - windowNanos;
        while (!increments.isEmpty() && increments.peekFirst().endNanos() <= windowStart) {
            increments.removeFirst();
        }
        if (increments.isEmpty()) {
            return OptionalDouble.empty();
        }
        double joules = 0;
        long covered = 0;
        for (Increment i : increments) {
            joules += i.joules();
            // Sum of the intervals, not newest end − oldest start: an interval lost to a reset is a
            // gap that must not be counted as time at zero watts.
            covered += i.endNanos() - i.startNanos();
        }
        return OptionalDouble.of(joules / (covered / 1e9));
    }

    /** Joules counted in the window ending at {@code nowNanos} (intervals lost to resets excluded). */
    public OptionalDouble joules(long nowNanos) {
        OptionalDouble w = averageWatts(nowNanos);
        if (w.isEmpty()) {
            return w;
        }
        double joules = 0;
        for (Increment i : increments) {
            joules += i.joules();
        }
        return OptionalDouble.of(joules);
    }

    /** Decreases of the counter seen so far (driver reloads, GPU resets). */
    public long counterResets() {
        return counterResets;
    }
}
