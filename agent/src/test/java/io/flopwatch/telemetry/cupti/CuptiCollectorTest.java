package io.flopwatch.telemetry.cupti;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.cupti.CuptiCondition;
import io.flopwatch.cupti.CuptiException;
import io.flopwatch.cupti.PmDecodeResult;
import io.flopwatch.cupti.PmSample;
import io.flopwatch.cupti.PmSamplingSettings.TriggerMode;
import io.flopwatch.telemetry.FakeTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The collector's logic over a hand-written fake PmSampler, driven step by step with a fake clock. */
class CuptiCollectorTest {

    private final FakeTicker ticker = new FakeTicker();
    private final FakeCuptiHost host = new FakeCuptiHost();
    private final List<String> log = new ArrayList<>();
    private final CuptiCollectorSettings settings = CuptiCollectorSettings.defaults();

    private CuptiCollector collector(FakePmSampler sampler) {
        return new CuptiCollector(sampler, host, CuptiMetricSets.builtIn(), settings, ticker, log::add);
    }

    /** A GA10x sample (the GA10x set's roles in order) over [startMs, endMs) of GPU time. */
    private static PmSample sample(long startMs, long endMs, Map<CuptiMetricRole, Double> values) {
        CuptiMetricSet ga10x = CuptiMetricSets.builtIn().forChip("GA102").orElseThrow();
        List<Double> ordered = new ArrayList<>();
        for (CuptiMetricRole r : ga10x.roles()) {
            ordered.add(values.getOrDefault(r, 0.0));
        }
        return new PmSample(startMs * 1_000_000, endMs * 1_000_000, ordered);
    }

    private static Map<CuptiMetricRole, Double> values(Object... roleValue) {
        Map<CuptiMetricRole, Double> m = new EnumMap<>(CuptiMetricRole.class);
        for (int i = 0; i < roleValue.length; i += 2) {
            m.put((CuptiMetricRole) roleValue[i], ((Number) roleValue[i + 1]).doubleValue());
        }
        return m;
    }

    private static CuptiException cupti(String function, int code, String name) {
        return CuptiException.of(function, code, name);
    }

    @Test
    void firstStepStartsASessionWithTheChipsSetAndTheDevicesCounterAvailability() {
        FakePmSampler sampler = new FakePmSampler("GA102");
        CuptiCollector c = collector(sampler);
        c.step();
        assertEquals(List.of("chipName", "counterAvailability", "enable", "setConfig", "start"), sampler.calls);
        assertEquals(CuptiCollector.State.RUNNING, c.status().state());
        assertTrue(sampler.countersHeld());
        assertEquals(3, host.lastAvailability.orElseThrow().length);
        // GA10x samples on GPU time: the interval is in ns (cupti_pmsampling.h)
        assertEquals(TriggerMode.GPU_TIME_INTERVAL, sampler.lastSettings.triggerMode());
        assertEquals(100_000_000L, sampler.lastSettings.samplingInterval());
        assertEquals(CuptiMetricSets.builtIn().forChip("GA102").orElseThrow().metricNames(), sampler.lastSettings.metrics());
        c.step();
        assertEquals("decode", sampler.calls.get(sampler.calls.size() - 1));
        assertTrue(log.isEmpty(), log.toString());
    }

    @Test
    void ga100SamplesOnSysclkCycles() {
        // GA100 and Turing support only the SYSCLK trigger: 100 ms at the assumed 1 GHz = 1e8 cycles.
        FakePmSampler sampler = new FakePmSampler("GA100");
        collector(sampler).step();
        assertEquals(TriggerMode.GPU_SYSCLK_INTERVAL, sampler.lastSettings.triggerMode());
        assertEquals(100_000_000L, sampler.lastSettings.samplingInterval());
    }

    @Test
    void intervalMeansAreWeightedBySampleTimeAndResetOnTake() {
        FakePmSampler sampler = new FakePmSampler("GA102");
        CuptiCollector c = collector(sampler);
        c.step();
        // 100 ms at 40 % tensor / 1 GB/s DRAM, then 300 ms at 80 % / 3 GB/s:
        // time-weighted means (40·0.1 + 80·0.3)/0.4 = 70 %, (1e9·0.1 + 3e9·0.3)/0.4 = 2.5e9 B/s
        // (the latter is total bytes / total time: 1e9 B / 0.4 s).
        sampler.decodes.add(new PmDecodeResult(List.of(
                sample(0, 100, values(CuptiMetricRole.TENSOR_ACTIVE_PERCENT, 40, CuptiMetricRole.DRAM_BYTES_PER_SECOND, 1e9)),
                sample(100, 400, values(CuptiMetricRole.TENSOR_ACTIVE_PERCENT, 80, CuptiMetricRole.DRAM_BYTES_PER_SECOND, 3e9))),
                false));
        c.step();
        CuptiInterval interval = c.takeInterval();
        assertEquals(2, interval.sampleCount());
        assertEquals(Duration.ofMillis(400), interval.covered());
        assertEquals("GA102", interval.chip());
        assertEquals(70.0, interval.mean(CuptiMetricRole.TENSOR_ACTIVE_PERCENT).orElseThrow(), 1e-9);
        assertEquals(2.5e9, interval.mean(CuptiMetricRole.DRAM_BYTES_PER_SECOND).orElseThrow(), 1e-3);
        assertTrue(interval.mean(CuptiMetricRole.TENSOR_HMMA_ACTIVE_PERCENT).isEmpty(), "GA10x has no HMMA split");

        CuptiInterval next = c.takeInterval();
        assertEquals(0, next.sampleCount());
        assertTrue(next.mean(CuptiMetricRole.TENSOR_ACTIVE_PERCENT).isEmpty());
    }

    @Test
    void aNonFiniteValueLeavesOnlyItsRoleOut() {
        FakePmSampler sampler = new FakePmSampler("GA102");
        CuptiCollector c = collector(sampler);
        c.step();
        sampler.decodes.add(new PmDecodeResult(List.of(
                sample(0, 100, values(CuptiMetricRole.SM_ACTIVE_PERCENT, 50, CuptiMetricRole.TENSOR_ACTIVE_PERCENT, Double.NaN)),
                sample(100, 200, values(CuptiMetricRole.SM_ACTIVE_PERCENT, 70, CuptiMetricRole.TENSOR_ACTIVE_PERCENT, 10))),
                false));
        c.step();
        CuptiInterval interval = c.takeInterval();
        assertEquals(60.0, interval.mean(CuptiMetricRole.SM_ACTIVE_PERCENT).orElseThrow(), 1e-9);
        assertEquals(10.0, interval.mean(CuptiMetricRole.TENSOR_ACTIVE_PERCENT).orElseThrow(), 1e-9);
    }

    @ParameterizedTest(name = "{0} ({1}) from {2} → off, {3}")
    @CsvSource({
        "CUPTI_ERROR_INSUFFICIENT_PRIVILEGES, 35, enable, INSUFFICIENT_PRIVILEGES, NVreg_RestrictProfilingToAdminUsers=0",
        "CUPTI_ERROR_MIG_DEVICE_NOT_SUPPORTED, 43, enable, MIG_DEVICE_NOT_SUPPORTED, GPM",
        "CUPTI_ERROR_NOT_SUPPORTED, 27, counterAvailability, NOT_AVAILABLE, Turing or newer",
    })
    void aPermanentConditionTurnsTheCollectorOffWithOneLogLine(String name, int code, String method,
            CuptiCondition expected, String adviceFragment) {
        FakePmSampler sampler = new FakePmSampler("GA102")
                .failNext(method, cupti(method.equals("enable") ? "cuptiPmSamplingEnable" : "cuptiPmSampling", code, name));
        CuptiCollector c = collector(sampler);
        c.step();
        CuptiCollector.Status status = c.status();
        assertEquals(CuptiCollector.State.UNAVAILABLE, status.state());
        assertEquals(expected, status.condition().orElseThrow());
        assertTrue(status.detail().contains(adviceFragment), status.detail());
        assertFalse(sampler.countersHeld());
        assertEquals(1, log.size(), log.toString());
        assertTrue(log.get(0).contains(name) && log.get(0).contains(adviceFragment), log.get(0));

        int calls = sampler.calls.size();
        ticker.advance(Duration.ofHours(1));
        c.step();
        assertEquals(calls, sampler.calls.size(), "no native call once off");
    }

    @Test
    void countersOwnedByAnotherProfilerAreRetriedAfterTheRetryIntervalAndLoggedOnce() {
        // INVALID_OPERATION (7) from Enable: another session (Nsight, DCGM) holds the counters.
        FakePmSampler sampler = new FakePmSampler("GA102")
                .failNext("enable", cupti("cuptiPmSamplingEnable", 7, "CUPTI_ERROR_INVALID_OPERATION"))
                .failNext("enable", cupti("cuptiPmSamplingEnable", 7, "CUPTI_ERROR_INVALID_OPERATION"));
        CuptiCollector c = collector(sampler);
        c.step();
        assertEquals(CuptiCollector.State.RETRYING, c.status().state());
        assertEquals(CuptiCondition.MULTIPLE_SUBSCRIBERS, c.status().condition().orElseThrow());

        int calls = sampler.calls.size();
        ticker.advance(settings.retryInterval().minusSeconds(1));
        c.step();
        assertEquals(calls, sampler.calls.size(), "not retried before the retry interval");

        ticker.advance(Duration.ofSeconds(1));
        c.step(); // fails the same way: not logged again
        assertEquals(CuptiCollector.State.RETRYING, c.status().state());
        assertEquals(1, log.size(), log.toString());

        ticker.advance(settings.retryInterval().multipliedBy(2).minusSeconds(1));
        c.step();
        assertEquals(CuptiCollector.State.RETRYING, c.status().state(), "the second retry waits twice as long");
        ticker.advance(Duration.ofSeconds(1));
        c.step();
        assertEquals(CuptiCollector.State.RUNNING, c.status().state());
        assertTrue(c.status().condition().isEmpty());
        assertEquals(2, log.size());
        assertTrue(log.get(1).contains("running again"), log.get(1));
    }

    @Test
    void anUnexpectedDecodeErrorReleasesTheCountersAndRetries() {
        FakePmSampler sampler = new FakePmSampler("GH100")
                .failNext("decode", cupti("cuptiPmSamplingDecodeData", 999, "CUPTI_ERROR_UNKNOWN"));
        CuptiCollector c = collector(sampler);
        c.step();
        c.step();
        assertEquals(CuptiCollector.State.RETRYING, c.status().state());
        assertEquals(CuptiCondition.OTHER, c.status().condition().orElseThrow());
        assertFalse(sampler.countersHeld());
        assertEquals(List.of("stop", "disable"), sampler.calls.subList(sampler.calls.size() - 2, sampler.calls.size()));
    }

    @Test
    void aHardwareBufferOverflowKeepsTheDecodedSamplesAndRestartsTheSession() {
        FakePmSampler sampler = new FakePmSampler("GA102");
        CuptiCollector c = collector(sampler);
        c.step();
        sampler.decodes.add(new PmDecodeResult(List.of(sample(0, 100, values(CuptiMetricRole.SM_ACTIVE_PERCENT, 90))), true));
        sampler.calls.clear();
        c.step();
        assertEquals(List.of("decode", "stop", "disable", "counterAvailability", "enable", "setConfig", "start"), sampler.calls);
        CuptiCollector.Status status = c.status();
        assertEquals(CuptiCollector.State.RUNNING, status.state());
        assertEquals(1, status.bufferOverflows());
        assertEquals(2, status.sessionStarts());
        assertEquals(1, log.size());
        assertTrue(log.get(0).contains("overflow"), log.get(0));
        assertEquals(90.0, c.takeInterval().mean(CuptiMetricRole.SM_ACTIVE_PERCENT).orElseThrow(), 1e-9);
    }

    @Test
    void repeatedOverflowsAreLoggedAtPowersOfTwoOnly() {
        FakePmSampler sampler = new FakePmSampler("GA102");
        CuptiCollector c = collector(sampler);
        c.step();
        for (int i = 0; i < 5; i++) {
            sampler.decodes.add(new PmDecodeResult(List.of(), true));
            c.step();
        }
        assertEquals(5, c.status().bufferOverflows());
        assertEquals(6, c.status().sessionStarts());
        assertEquals(3, log.size(), "overflows 1, 2 and 4: " + log);
        assertTrue(log.get(2).endsWith("(overflow 4)"), log.get(2));
    }

    @Test
    void pauseReleasesTheCountersUntilResume() {
        FakePmSampler sampler = new FakePmSampler("GA102");
        CuptiCollector c = collector(sampler);
        c.step();
        sampler.decodes.add(new PmDecodeResult(List.of(sample(0, 100, values(CuptiMetricRole.SM_ACTIVE_PERCENT, 30))), false));
        c.pause();
        assertFalse(sampler.countersHeld(), "Nsight Compute can take the counters now");
        assertEquals(CuptiCollector.State.PAUSED, c.status().state());
        assertEquals(30.0, c.takeInterval().mean(CuptiMetricRole.SM_ACTIVE_PERCENT).orElseThrow(), 1e-9,
                "samples decoded before the pause are kept");

        int calls = sampler.calls.size();
        c.step();
        c.step();
        assertEquals(calls, sampler.calls.size(), "no native call while paused");
        assertEquals(0, c.takeInterval().sampleCount());

        c.resume();
        c.step();
        assertTrue(sampler.countersHeld());
        assertEquals(CuptiCollector.State.RUNNING, c.status().state());
        assertEquals(List.of("CUPTI PM sampling on GPU 0 (GA102) paused: counters released",
                "CUPTI PM sampling on GPU 0 (GA102) resumed"), log);
    }

    @Test
    void pausingAnUnavailableCollectorChangesNothing() {
        FakePmSampler sampler = new FakePmSampler("GV100");
        CuptiCollector c = collector(sampler);
        c.step();
        c.pause();
        c.resume();
        assertEquals(CuptiCollector.State.UNAVAILABLE, c.status().state());
        assertEquals(1, log.size(), log.toString());
    }

    @Test
    void closeReleasesTheCountersForGood() {
        FakePmSampler sampler = new FakePmSampler("GH100");
        CuptiCollector c = collector(sampler);
        c.step();
        c.close();
        assertFalse(sampler.countersHeld());
        assertEquals(CuptiCollector.State.CLOSED, c.status().state());
        c.resume();
        c.step();
        assertEquals(CuptiCollector.State.CLOSED, c.status().state());
        assertFalse(sampler.countersHeld());
    }

    @Test
    void aChipWithoutAMetricSetIsOffWithoutTouchingTheCounters() {
        FakePmSampler sampler = new FakePmSampler("GV100");
        CuptiCollector c = collector(sampler);
        c.step();
        assertEquals(CuptiCollector.State.UNAVAILABLE, c.status().state());
        assertEquals(CuptiCondition.NOT_AVAILABLE, c.status().condition().orElseThrow());
        assertEquals(List.of("chipName"), sampler.calls);
        assertTrue(log.get(0).contains("GV100"), log.get(0));
    }

    @Test
    void aSetThatNeedsMoreThanOnePassOnThisDeviceIsNotStarted() {
        host.passes = 2; // e.g. some counters of the device already in use
        FakePmSampler sampler = new FakePmSampler("GH100");
        CuptiCollector c = collector(sampler);
        c.step();
        assertEquals(CuptiCollector.State.UNAVAILABLE, c.status().state());
        assertFalse(sampler.calls.contains("enable"));
    }

    @ParameterizedTest(name = "{0}, GPM {1} → {2}")
    @CsvSource({"OFF, false, false", "OFF, true, false", "AUTO, false, true", "AUTO, true, false",
        "ON, false, true", "ON, true, true"})
    void modeDecidesWhereTheCollectorRuns(CuptiMode mode, boolean gpmSupported, boolean expected) {
        assertEquals(expected, mode.enabledFor(gpmSupported));
    }

    @Test
    void settingsRejectIntervalsBelowTenMillisecondsAndSizeTheCounterImage() {
        assertThrows(IllegalArgumentException.class, () -> new CuptiCollectorSettings(Duration.ofMillis(5),
                Duration.ofSeconds(1), 1 << 20, Duration.ofMinutes(1), 1e9));
        CuptiCollectorSettings tenMs = new CuptiCollectorSettings(Duration.ofMillis(10), Duration.ofMillis(250),
                1 << 20, Duration.ofMinutes(1), 1e9);
        // 250 ms / 10 ms = 25 samples per decode; room for twice that plus 8.
        assertEquals(58, tenMs.maxSamplesPerDecode());
        assertEquals(10_000_000L, tenMs.intervalFor(TriggerMode.GPU_TIME_INTERVAL));
    }
}
