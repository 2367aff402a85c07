package io.flopwatch.daemon;

import io.flopwatch.telemetry.Ticker;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Decides whether to feed systemd's watchdog ({@code WATCHDOG=1}): only while the sampler keeps
 * completing cycles. A keep-alive sent from a timer alone would prove only that the JVM still
 * schedules threads; tying it to sampler progress is what gets a hung sampler (a native call
 * that never returns, a deadlock) killed and restarted by {@code WatchdogSec=}.
 *
 * <p>"Progress" is a completed sampler cycle, including one in which some devices failed: a
 * GPU that stops answering is reported stale by the sampler, and restarting the daemon would
 * not bring it back. The daemon asks {@link #decide} every {@link #pingInterval()} from a
 * thread of its own (never the sampler's) and sends {@code WATCHDOG=1} on {@link Decision#PING}.
 *
 * <p>Worst case from a hang to the restart: {@code stallAfter} (pings stop) plus the watchdog
 * timeout (systemd gives up). Immutable and thread-safe.
 */
public final class WatchdogPolicy {

    /** What to do at one check. */
    public enum Decision {
        /** The sampler made progress recently: send {@code WATCHDOG=1}. */
        PING,
        /** No sampler cycle has completed yet: the daemon is not ready, nothing to feed. */
        NOT_STARTED,
        /** The last completed cycle is older than {@code stallAfter}: let the watchdog fire. */
        STALLED
    }

    private final Duration watchdogTimeout;
    private final Duration stallAfter;
    private final Ticker ticker;

    /**
     * @param watchdogTimeout systemd's {@code WatchdogSec=} as given in {@code WATCHDOG_USEC}
     * @param stallAfter      how old the last completed cycle may be before pings stop; longer
     *                        than the slowest healthy cycle (sampling interval plus collector
     *                        deadlines), see {@link #stallAfterFor}
     * @param ticker          the clock the sampler's progress times were read from
     */
    public WatchdogPolicy(Duration watchdogTimeout, Duration stallAfter, Ticker ticker) {
        this.watchdogTimeout = positive(watchdogTimeout, "watchdogTimeout");
        this.stallAfter = positive(stallAfter, "stallAfter");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
    }

    /**
     * The watchdog timeout systemd asks this process to honour, following sd_watchdog_enabled(3):
     * none when {@code WATCHDOG_USEC} is unset, or when {@code WATCHDOG_PID} is set and names
     * another process (the variables were inherited, not meant for us).
     *
     * @param env    the process environment
     * @param ownPid this process's id ({@code ProcessHandle.current().pid()})
     * @throws IllegalArgumentException when a variable is set but malformed (sd_watchdog_enabled
     *                                  returns -EINVAL there: a zero, infinite or non-numeric
     *                                  {@code WATCHDOG_USEC}, a non-positive {@code WATCHDOG_PID})
     */
    public static Optional<Duration> watchdogTimeout(Map<String, String> env, long ownPid) {
        String usec = env.get("WATCHDOG_USEC");
        if (usec == null) {
            return Optional.empty();
        }
        long micros = parseUnsigned("WATCHDOG_USEC", usec);
        // systemd's timestamp_is_set(): 0 and USEC_INFINITY (UINT64_MAX) are "no timestamp".
        if (micros == 0 || micros == -1L) {
            throw new IllegalArgumentException("WATCHDOG_USEC=" + usec + " is not a usable timeout");
        }
        String pid = env.get("WATCHDOG_PID");
        if (pid != null) {
            long watchdogPid = parseUnsigned("WATCHDOG_PID", pid);
            if (watchdogPid <= 0) {
                throw new IllegalArgumentException("WATCHDOG_PID=" + pid + " is not a process id");
            }
            if (watchdogPid != ownPid) {
                return Optional.empty();
            }
        }
        // A timeout beyond Duration's range cannot occur: microseconds of a long fit.
        return Optional.of(Duration.ofSeconds(Long.divideUnsigned(micros, 1_000_000L),
                Long.remainderUnsigned(micros, 1_000_000L) * 1_000L));
    }

    /**
     * A {@code stallAfter} for a sampler that starts a cycle every {@code samplingInterval}:
     * three missed cycles, and never less than half the watchdog timeout (so a slow but
     * healthy cycle is not taken for a hang).
     */
    public static Duration stallAfterFor(Duration samplingInterval, Duration watchdogTimeout) {
        Duration threeCycles = positive(samplingInterval, "samplingInterval").multipliedBy(3);
        Duration half = positive(watchdogTimeout, "watchdogTimeout").dividedBy(2);
        return threeCycles.compareTo(half) > 0 ? threeCycles : half;
    }

    /**
     * How often to call {@link #decide}: half the watchdog timeout, as sd_watchdog_enabled(3)
     * recommends, so one late check does not miss the deadline.
     */
    public Duration pingInterval() {
        return watchdogTimeout.dividedBy(2);
    }

    public Duration watchdogTimeout() {
        return watchdogTimeout;
    }

    public Duration stallAfter() {
        return stallAfter;
    }

    /**
     * @param lastCycleCompletedNanos {@link Ticker#nanoTime()} when the sampler last completed a
     *                                cycle; empty before the first
     */
    public Decision decide(OptionalLong lastCycleCompletedNanos) {
        if (lastCycleCompletedNanos.isEmpty()) {
            return Decision.NOT_STARTED;
        }
        return progressAge(lastCycleCompletedNanos.getAsLong()).compareTo(stallAfter) > 0
                ? Decision.STALLED : Decision.PING;
    }

    /** How long ago the last cycle completed (for the log line when pings stop). */
    public Duration progressAge(long lastCycleCompletedNanos) {
        return Duration.ofNanos(ticker.nanoTime() - lastCycleCompletedNanos);
    }

    private static long parseUnsigned(String name, String value) {
        try {
            return Long.parseUnsignedLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "=" + value + " is not a number", e);
        }
    }

    private static Duration positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
        return d;
    }

    @Override
    public String toString() {
        return "WatchdogPolicy[timeout=" + watchdogTimeout + ", stallAfter=" + stallAfter + "]";
    }
}
