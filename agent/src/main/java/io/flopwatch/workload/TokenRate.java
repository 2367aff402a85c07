package io.flopwatch.workload;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * Smoothed tokens per second of one stream (one workload, one {@link WorkloadPhase}) over a sliding
 * window, from observations of any {@link TokenReading kind}.
 *
 * <h2>How each kind is read</h2>
 * <ul>
 *   <li>{@link TokenReading#CUMULATIVE}: the difference to the previous total is an increment of
 *       tokens over the time between the two observations. The first total only sets the baseline.
 *       A total lower than the previous one is a <em>counter reset</em> (server restart, job
 *       resumed from a checkpoint): it is counted ({@link #counterResets()}), becomes the new
 *       baseline and contributes nothing. This differs from Prometheus' {@code rate()}, which
 *       takes the new total as the increment: a training job resumed from a checkpoint restarts
 *       its totals at the checkpoint's count, not at zero, and that would read as a huge burst.
 *       The cost is at most one interval of tokens not counted per restart.</li>
 *   <li>{@link TokenReading#DELTA}: an increment over the time since the previous observation of
 *       this stream; the first one only starts the clock, since the interval it covers is
 *       unknown.</li>
 *   <li>{@link TokenReading#RATE}: a reading already in tokens per second.</li>
 * </ul>
 *
 * <h2>The window</h2>
 * {@link #tokensPerSecond(long)} at time {@code now} looks at what ended in
 * {@code (now − window, now]}. When increments are there, the rate is their token sum divided by
 * the time they cover (from the start of the oldest to the end of the newest), so uneven log
 * intervals weigh correctly. Otherwise it is the arithmetic mean of the RATE readings in the
 * window (each reading is itself the workload's average over its own log interval). When nothing
 * ended in the window the rate is absent, not zero: a workload that stopped logging is unknown,
 * not idle. The window should be at least twice the workload's log interval; {@link #DEFAULT_WINDOW}
 * is 60 s.
 *
 * <p>Times are {@link io.flopwatch.telemetry.Ticker#nanoTime()} values; an observation older than
 * the newest one already seen is ignored and counted ({@link #outOfOrder()}). Not thread-safe.
 */
public final class TokenRate {
    /** Default smoothing window. */
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(60);

    private record Increment(long startNanos, long endNanos, double tokens) {
    }

    private record Rate(long nanos, double tokensPerSecond) {
    }

    private final long windowNanos;
    private final Deque<Increment> increments = new ArrayDeque<>();
    private final Deque<Rate> rates = new ArrayDeque<>();
    private double lastTotal = Double.NaN;
    private long lastTotalNanos;
    private boolean deltaClockStarted;
    private long lastDeltaNanos;
    private long newestNanos = Long.MIN_VALUE;
    private long counterResets;
    private long outOfOrder;

    public TokenRate(Duration window) {
        Objects.requireNonNull(window, "window");
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive: " + window);
        }
        this.windowNanos = window.toNanos();
    }

    public TokenRate() {
        this(DEFAULT_WINDOW);
    }

    /** Takes one observation into account; those without a token count are ignored. */
    public void record(ThroughputObservation o) {
        if (!o.hasTokens()) {
            return;
        }
        long t = o.nanoTime();
        if (t < newestNanos) {
            outOfOrder++;
            return;
        }
        newestNanos = t;
        switch (o.reading()) {
            case CUMULATIVE -> {
                if (Double.isNaN(lastTotal)) {
                    lastTotal = o.tokens();
                } else if (o.tokens() < lastTotal) {
                    counterResets++;
                    lastTotal = o.tokens();
                } else {
                    addIncrement(lastTotalNanos, t, o.tokens() - lastTotal);
                    lastTotal = o.tokens();
                }
                lastTotalNanos = t;
            }
            case DELTA -> {
                if (deltaClockStarted) {
                    addIncrement(lastDeltaNanos, t, o.tokens());
                }
                deltaClockStarted = true;
                lastDeltaNanos = t;
            }
            case RATE -> rates.addLast(new Rate(t, o.tokens()));
        }
    }

    private void addIncrement(long start, long end, double tokens) {
        if (end > start) {
            increments.addLast(new Increment(start, end, tokens));
        }
        // Two observations at the same instant: the tokens cannot be placed in time; a later
        // increment still covers them because the baseline has moved on. Rare with real clocks.
    }

    /** Smoothed tokens per second at {@code nowNanos}, or empty when nothing ended in the window. */
    public OptionalDouble tokensPerSecond(long nowNanos) {
        long windowStart = nowNanos - windowNanos;
        while (!increments.isEmpty() && increments.peekFirst().endNanos() <= windowStart) {
            increments.removeFirst();
        }
        while (!rates.isEmpty() && rates.peekFirst().nanos() <= windowStart) {
            rates.removeFirst();
        }
        if (!increments.isEmpty()) {
            double tokens = 0;
            for (Increment i : increments) {
                tokens += i.tokens();
            }
            long span = increments.peekLast().endNanos() - increments.peekFirst().startNanos();
            return OptionalDouble.of(tokens / (span / 1e9));
        }
        if (!rates.isEmpty()) {
            double sum = 0;
            for (Rate r : rates) {
                sum += r.tokensPerSecond();
            }
            return OptionalDouble.of(sum / rates.size());
        }
        return OptionalDouble.empty();
    }

    /** Drops in a cumulative total seen so far (restarts of the workload). */
    public long counterResets() {
        return counterResets;
    }

    /** Observations ignored because they were older than one already recorded. */
    public long outOfOrder() {
        return outOfOrder;
    }

    public Duration window() {
        return Duration.ofNanos(windowNanos);
    }
}
