package io.flopwatch.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flopwatch.daemon.WatchdogPolicy.Decision;
import io.flopwatch.telemetry.FakeTicker;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class WatchdogPolicyTest {

    private static final long OWN_PID = 4242;

    private static Map<String, String> env(String usec, String pid) {
        Map<String, String> env = new HashMap<>();
        if (usec != null) {
            env.put("WATCHDOG_USEC", usec);
        }
        if (pid != null) {
            env.put("WATCHDOG_PID", pid);
        }
        return env;
    }

    /**
     * sd_watchdog_enabled(3): "If the $WATCHDOG_USEC environment variable is set, and the
     * $WATCHDOG_PID variable is unset or set to the PID of the current process, the service
     * manager expects notifications from this process"; otherwise the watchdog is off.
     * WatchdogSec=30s in systemd/flopwatch.service arrives as WATCHDOG_USEC=30000000.
     */
    @ParameterizedTest(name = "WATCHDOG_USEC={0} WATCHDOG_PID={1} -> {2} ms")
    @CsvSource(nullValues = "unset", value = {
            "30000000, unset, 30000",   // the unit's WatchdogSec=30s, no PID restriction
            "30000000, 4242,  30000",   // PID given and it is ours
            "30000000, 1,     unset",   // inherited from a parent (PID 1's): not for us
            "unset,    4242,  unset",   // no watchdog configured
            "1500,     unset, 1.5",     // sub-millisecond precision is kept (1500 µs)
    })
    void followsSdWatchdogEnabled(String usec, String pid, String expectedMillis) {
        Optional<Duration> expected = expectedMillis == null ? Optional.empty()
                : Optional.of(Duration.ofNanos(Math.round(Double.parseDouble(expectedMillis) * 1_000_000)));
        assertEquals(expected, WatchdogPolicy.watchdogTimeout(env(usec, pid), OWN_PID));
    }

    /** sd_watchdog_enabled(3) returns -EINVAL for these; the daemon logs and runs without. */
    @ParameterizedTest
    @ValueSource(strings = {"0", "18446744073709551615", "thirty", "-5", ""})
    void rejectsAMalformedTimeout(String usec) {
        // 18446744073709551615 = UINT64_MAX = USEC_INFINITY, systemd's "no timestamp".
        assertThrows(IllegalArgumentException.class, () -> WatchdogPolicy.watchdogTimeout(env(usec, null), OWN_PID));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "abc"})
    void rejectsAMalformedPid(String pid) {
        assertThrows(IllegalArgumentException.class,
                () -> WatchdogPolicy.watchdogTimeout(env("30000000", pid), OWN_PID));
    }

    @Test
    void pingsAtHalfTheTimeoutAsSdWatchdogEnabledRecommends() {
        WatchdogPolicy policy = new WatchdogPolicy(Duration.ofSeconds(30), Duration.ofSeconds(15), new FakeTicker());
        assertEquals(Duration.ofSeconds(15), policy.pingInterval());
    }

    @Test
    void feedsTheWatchdogOnlyWhileTheSamplerMakesProgress() {
        FakeTicker ticker = new FakeTicker();
        WatchdogPolicy policy = new WatchdogPolicy(Duration.ofSeconds(30), Duration.ofSeconds(15), ticker);

        assertEquals(Decision.NOT_STARTED, policy.decide(OptionalLong.empty()));

        ticker.advance(Duration.ofSeconds(100));
        long cycleDone = ticker.nanoTime();
        assertEquals(Decision.PING, policy.decide(OptionalLong.of(cycleDone)));

        ticker.advance(Duration.ofSeconds(15));
        assertEquals(Decision.PING, policy.decide(OptionalLong.of(cycleDone)), "exactly stallAfter old: still fine");

        // The sampler hangs: no cycle completes after cycleDone.
        ticker.advance(Duration.ofMillis(1));
        assertEquals(Decision.STALLED, policy.decide(OptionalLong.of(cycleDone)));
        assertEquals(Duration.ofMillis(15_001), policy.progressAge(cycleDone));

        // It recovers before systemd's deadline: pings resume.
        assertEquals(Decision.PING, policy.decide(OptionalLong.of(ticker.nanoTime())));
    }

    /**
     * With checks every 15 s and stallAfter 15 s, the last ping after a hang at t comes no later
     * than t + 15 s, and systemd acts WatchdogSec = 30 s after the last ping: at most 45 s.
     */
    @Test
    void aHungSamplerStopsThePingsWithinStallAfter() {
        FakeTicker ticker = new FakeTicker();
        WatchdogPolicy policy = new WatchdogPolicy(Duration.ofSeconds(30), Duration.ofSeconds(15), ticker);
        long hangAt = ticker.nanoTime();
        long lastPing = -1;
        for (int check = 0; check < 10; check++) {
            if (policy.decide(OptionalLong.of(hangAt)) == Decision.PING) {
                lastPing = ticker.nanoTime();
            }
            ticker.advance(policy.pingInterval());
        }
        assertEquals(Duration.ofSeconds(15).toNanos(), lastPing - hangAt);
    }

    @ParameterizedTest(name = "sampling every {0} s, WatchdogSec={1} s -> stall after {2} s")
    @CsvSource({
            "1,  30, 15",   // the default 1 s sampling: half the watchdog timeout dominates
            "10, 30, 30",   // slow sampling: three missed cycles
    })
    void stallAfterCoversThreeCyclesAndHalfTheTimeout(long samplingSeconds, long timeoutSeconds, long expectedSeconds) {
        assertEquals(Duration.ofSeconds(expectedSeconds),
                WatchdogPolicy.stallAfterFor(Duration.ofSeconds(samplingSeconds), Duration.ofSeconds(timeoutSeconds)));
    }

    @Test
    void refusesNonPositiveDurations() {
        assertThrows(IllegalArgumentException.class,
                () -> new WatchdogPolicy(Duration.ZERO, Duration.ofSeconds(1), new FakeTicker()));
        assertThrows(IllegalArgumentException.class,
                () -> new WatchdogPolicy(Duration.ofSeconds(30), Duration.ofSeconds(-1), new FakeTicker()));
    }
}
