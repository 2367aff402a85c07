package io.flopwatch.telemetry;

import java.time.Instant;

/**
 * The time source of every rate, delta, deadline and timeout in flopwatch, injected so that
 * tests advance a {@code FakeTicker} instead of sleeping (in the manner of Caffeine's Ticker).
 */
public interface Ticker {

    /** Monotonic nanoseconds, for durations and rates; unrelated to wall-clock time. */
    long nanoTime();

    /** Wall-clock time, for timestamps that leave the process (log lines, exports). */
    Instant now();

    /** The real clocks: {@link System#nanoTime()} and {@link Instant#now()}. */
    static Ticker system() {
        return SystemTicker.INSTANCE;
    }
}

enum SystemTicker implements Ticker {
    INSTANCE;

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Instant now() {
        return Instant.now();
    }
}
