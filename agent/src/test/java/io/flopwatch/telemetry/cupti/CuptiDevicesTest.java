package io.flopwatch.telemetry.cupti;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.cupti.CuptiCondition;
import io.flopwatch.cupti.CuptiException;
import io.flopwatch.cupti.PmDecodeResult;
import io.flopwatch.cupti.PmSample;
import io.flopwatch.nvml.GpmMetric;
import io.flopwatch.nvml.GpuArchitecture;
import io.flopwatch.nvml.GpuIdentity;
import io.flopwatch.telemetry.ActivitySource;
import io.flopwatch.telemetry.FakeTicker;
import io.flopwatch.telemetry.GpuRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The CUPTI collector as the agent runs it, over a hand-written PmTarget: which GPUs it runs on,
 * how their values reach the records, and what each condition leaves behind (status, one log
 * line, counters released). Decode threads are not started; the test steps them.
 */
class CuptiDevicesTest {

    static final String H100_BUS = "00000000:18:00.0";
    static final String A100_BUS = "00000000:3B:00.0";

    private final FakeTicker ticker = new FakeTicker();
    private final List<String> log = new ArrayList<>();
    // CUDA's order (fastest first) differs from NVML's: the H100 is CUDA device 0 here, the A100 1.
    private final FakePmTarget target = new FakePmTarget()
            .device("0000:18:00.0", new FakePmSampler("GH100"))
            .device("0000:3b:00.0", new FakePmSampler("GA100"));

    private CuptiDevices devices(CuptiMode mode, boolean gpmCollectorOn) {
        return new CuptiDevices(mode, CuptiCollectorSettings.defaults(), () -> {
            target.opened++;
            return target;
        }, CuptiMetricSets.builtIn(), ticker, log::add, gpmCollectorOn, false);
    }

    static GpuIdentity identity(int index, String bus) {
        return new GpuIdentity(index, "GPU-" + index, "Fake GPU", Optional.empty(), bus, 0, 0, GpuArchitecture.AMPERE,
                OptionalLong.empty(), OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(),
                OptionalLong.empty(), OptionalInt.empty(), OptionalInt.empty(), OptionalLong.empty(), false);
    }

    /** A record as the NVML collectors leave it: GPM support as the gpm collector found it, and its values. */
    static GpuRecord record(int index, String bus, Optional<Boolean> gpmSupported, Map<Integer, Double> gpm) {
        GpuRecord.Builder b = new GpuRecord.Builder(index).identity(identity(index, bus));
        gpmSupported.ifPresent(b::gpmSupported);
        gpm.forEach(b::gpmValue);
        return b.build(0, true, "", Map.of());
    }

    private List<GpuRecord> node() {
        return List.of(record(0, H100_BUS, Optional.of(true), Map.of(GpmMetric.SM_UTIL, 88.0, GpmMetric.FP64_UTIL, 1.0)),
                record(1, A100_BUS, Optional.of(false), Map.of()));
    }

    /** One sample of {@code chip}'s set over [0, 100 ms) with every role at {@code value}, except bytes at 1 MiB/s. */
    static PmSample sample(String chip, double value) {
        List<Double> values = new ArrayList<>();
        for (CuptiMetricRole r : CuptiMetricSets.builtIn().forChip(chip).orElseThrow().roles()) {
            values.add(r.key().endsWith("bytes_per_second") ? 1024.0 * 1024.0 : value);
        }
        return new PmSample(0, 100_000_000, values);
    }

    @Test
    void autoRunsOnlyWhereGpmIsAbsentAndFillsTheGpmFieldsThere() {
        CuptiDevices d = devices(CuptiMode.AUTO, true);
        List<GpuRecord> first = d.apply(node());
        assertEquals(List.of(1), d.statuses().stream().map(CuptiDevices.DeviceStatus::gpu).toList(),
                "the H100 has GPM: CUPTI stays off there");
        assertEquals(ActivitySource.GPM, first.get(0).activity().source());
        assertEquals(ActivitySource.NONE, first.get(1).activity().source(), "no CUPTI sample yet");
        assertEquals(0, target.opened, "the target is opened by a decode thread, not by the sampler's apply");

        d.stepAll(); // the decode thread starts the session on the A100: CUDA device 1, matched by bus id
        FakePmSampler a100 = target.at("0000:3b:00.0");
        assertTrue(a100.countersHeld());
        assertFalse(target.at("0000:18:00.0").countersHeld());
        a100.decodes.add(new PmDecodeResult(List.of(sample("GA100", 42)), false));
        d.stepAll();

        List<GpuRecord> second = d.apply(node());
        GpuRecord gpu1 = second.get(1);
        assertEquals(ActivitySource.CUPTI, gpu1.activity().source());
        // the GA100 set's roles, in GPM's ids and units (nvmlGpmMetricId_t: percent; MiB/s)
        assertEquals(42.0, gpu1.gpmValue(GpmMetric.SM_UTIL).orElseThrow(), 1e-9);
        assertEquals(42.0, gpu1.gpmValue(GpmMetric.ANY_TENSOR_UTIL).orElseThrow(), 1e-9);
        assertEquals(42.0, gpu1.gpmValue(GpmMetric.DRAM_BW_UTIL).orElseThrow(), 1e-9);
        assertEquals(1.0, gpu1.gpmValue(GpmMetric.PCIE_RX_PER_SEC).orElseThrow(), 1e-9);
        assertEquals(1.0, gpu1.gpmValue(GpmMetric.NVLINK_TOTAL_TX_PER_SEC).orElseThrow(), 1e-9);
        assertEquals(Map.of(GpmMetric.SM_UTIL, 88.0, GpmMetric.FP64_UTIL, 1.0), second.get(0).gpm(), "GPM untouched");
        assertTrue(log.isEmpty(), log.toString());
    }

    @Test
    void autoWaitsForTheGpmAnswerAndTreatsAnOffGpmCollectorAsNoGpm() {
        CuptiDevices waiting = devices(CuptiMode.AUTO, true);
        waiting.apply(List.of(record(1, A100_BUS, Optional.empty(), Map.of())));
        assertTrue(waiting.statuses().isEmpty(), "GPM support not known yet: no counters taken");

        CuptiDevices noGpmCollector = devices(CuptiMode.AUTO, false);
        noGpmCollector.apply(node());
        assertEquals(2, noGpmCollector.statuses().size(), "without the gpm collector no GPU has GPM values");
    }

    @Test
    void onRunsEverywhereAndReplacesTheGpmValuesItHasKeepingGpmOnlyOnes() {
        CuptiDevices d = devices(CuptiMode.ON, true);
        d.apply(node());
        d.stepAll();
        target.at("0000:18:00.0").decodes.add(new PmDecodeResult(List.of(sample("GH100", 60)), false));
        d.stepAll();
        GpuRecord h100 = d.apply(node()).get(0);
        assertEquals(ActivitySource.CUPTI, h100.activity().source());
        assertEquals(60.0, h100.gpmValue(GpmMetric.SM_UTIL).orElseThrow(), 1e-9, "CUPTI's, not GPM's 88");
        assertEquals(1.0, h100.gpmValue(GpmMetric.FP64_UTIL).orElseThrow(), 1e-9, "no CUPTI equivalent: GPM's stays");
    }

    /**
     * Each condition (codes: cupti_result.h, CUDA 13.0) becomes a status and one log line, and the
     * counters are not left held; those that may clear are retried.
     */
    @ParameterizedTest
    @CsvSource({
        "enable, cuptiPmSamplingEnable, 35, CUPTI_ERROR_INSUFFICIENT_PRIVILEGES, INSUFFICIENT_PRIVILEGES, UNAVAILABLE, CAP_PERFMON",
        "enable, cuptiPmSamplingEnable, 7, CUPTI_ERROR_INVALID_OPERATION, MULTIPLE_SUBSCRIBERS, RETRYING, Nsight",
        "enable, cuptiPmSamplingEnable, 39, CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED, MULTIPLE_SUBSCRIBERS, RETRYING, DCGM",
        "chipName, cuptiDeviceGetChipName, 43, CUPTI_ERROR_MIG_DEVICE_NOT_SUPPORTED, MIG_DEVICE_NOT_SUPPORTED, UNAVAILABLE, GPM",
        "setConfig, cuptiPmSamplingSetConfig, 999, CUPTI_ERROR_UNKNOWN, OTHER, RETRYING, CUPTI_ERROR_UNKNOWN",
    })
    void eachConditionIsAStatusAndOneLogLine(String method, String function, int code, String name,
            CuptiCondition condition, CuptiCollector.State state, String advice) {
        FakePmSampler a100 = target.at("0000:3b:00.0");
        a100.failNext(method, CuptiException.of(function, code, name));
        a100.failNext(method, CuptiException.of(function, code, name)); // and again on the first retry
        CuptiDevices d = devices(CuptiMode.AUTO, true);
        d.apply(node());
        d.stepAll();
        ticker.advance(Duration.ofHours(1));
        d.stepAll();
        GpuRecord gpu1 = d.apply(node()).get(1);
        CuptiCollector.Status s = gpu1.activity().cupti().orElseThrow().status();
        assertEquals(state, s.state());
        assertEquals(condition, s.condition().orElseThrow());
        assertTrue(s.detail().contains(advice), s.detail());
        assertFalse(a100.countersHeld());
        assertEquals(1, log.size(), log.toString());
        assertTrue(log.get(0).startsWith("CUPTI PM sampling on GPU 1 "), "named by NVML index: " + log.get(0));
    }

    @Test
    void aMissingLibraryIsOneLineForTheNodeAndEveryGpusStatus() {
        CuptiDevices d = new CuptiDevices(CuptiMode.ON, CuptiCollectorSettings.defaults(), () -> {
            throw new CuptiException("dlopen", -1, "libcupti not found (tried libcupti.so.13)", CuptiCondition.NOT_AVAILABLE);
        }, CuptiMetricSets.builtIn(), ticker, log::add, true, false);
        d.apply(node());
        d.stepAll();
        d.stepAll();
        assertEquals(List.of("CUPTI PM sampling is unavailable on this node: dlopen: libcupti not found (tried "
                + "libcupti.so.13) (-1): " + CuptiCondition.NOT_AVAILABLE.advice()), log);
        for (CuptiDevices.DeviceStatus s : d.statuses()) {
            assertEquals(CuptiCollector.State.UNAVAILABLE, s.status().state());
            assertEquals(CuptiCondition.NOT_AVAILABLE, s.status().condition().orElseThrow());
        }
    }

    @Test
    void aHardwareBufferOverflowRestartsTheSessionAndKeepsTheSamples() {
        CuptiDevices d = devices(CuptiMode.AUTO, true);
        d.apply(node());
        d.stepAll();
        FakePmSampler a100 = target.at("0000:3b:00.0");
        a100.decodes.add(new PmDecodeResult(List.of(sample("GA100", 70)), true));
        a100.calls.clear();
        d.stepAll();
        assertEquals(List.of("decode", "stop", "disable", "counterAvailability", "enable", "setConfig", "start"), a100.calls);
        CuptiInterval iv = d.apply(node()).get(1).activity().cupti().orElseThrow();
        assertEquals(CuptiCollector.State.RUNNING, iv.status().state());
        assertEquals(1, iv.status().bufferOverflows());
        assertEquals(2, iv.status().sessionStarts());
        assertEquals(70.0, iv.mean(CuptiMetricRole.SM_ACTIVE_PERCENT).orElseThrow(), 1e-9);
        assertEquals(1, log.size());
    }

    @Test
    void pauseReleasesTheCountersOnTheDecodeThreadAndResumeTakesThemAgain() {
        CuptiDevices d = devices(CuptiMode.ON, true);
        d.apply(node());
        d.stepAll();
        assertTrue(target.at("0000:3b:00.0").countersHeld());
        d.pause();
        assertTrue(target.at("0000:3b:00.0").countersHeld(), "the caller makes no native call");
        assertFalse(d.settled());
        d.stepAll();
        assertTrue(d.settled());
        for (FakePmSampler s : target.samplers) {
            assertFalse(s.countersHeld(), "Nsight Compute can run now");
        }
        GpuRecord paused = d.apply(node()).get(1);
        assertEquals(CuptiCollector.State.PAUSED, paused.activity().cupti().orElseThrow().status().state());

        d.resume();
        d.stepAll();
        assertTrue(d.settled());
        for (FakePmSampler s : target.samplers) {
            assertTrue(s.countersHeld());
        }
    }

    @Test
    void aGpuThatAppearsWhilePausedStartsPaused() {
        CuptiDevices d = devices(CuptiMode.ON, true);
        d.pause();
        d.apply(node());
        d.stepAll();
        assertEquals(0, target.opened, "nothing taken while paused");
        assertTrue(d.statuses().stream().allMatch(s -> s.status().state() == CuptiCollector.State.PAUSED));
    }

    @Test
    void shutdownReleasesTheCountersThenDeinitializesTheProfiler() {
        CuptiDevices d = devices(CuptiMode.ON, true);
        d.apply(node());
        d.stepAll();
        d.close();
        for (FakePmSampler s : target.samplers) {
            assertFalse(s.countersHeld());
            assertEquals("disable", s.calls.get(s.calls.size() - 1));
        }
        assertTrue(target.closed);
        assertEquals(node(), d.apply(node()), "after close the records pass through");
    }

    @Test
    void aGpuThatLeavesTheSnapshotIsReleased() {
        CuptiDevices d = devices(CuptiMode.ON, true);
        d.apply(node());
        d.stepAll();
        d.apply(List.of(node().get(0)));
        assertFalse(target.at("0000:3b:00.0").countersHeld());
        assertTrue(target.at("0000:18:00.0").countersHeld());
        assertEquals(List.of(0), d.statuses().stream().map(CuptiDevices.DeviceStatus::gpu).toList());
    }

    @ParameterizedTest
    @CsvSource({
        // NVML's busId has an 8-digit domain (nvmlPciInfo_t), cuDeviceGetPCIBusId a 4-digit one (cuda.h)
        "00000000:3B:00.0, 0000:3b:00.0, true",
        "00000001:3B:00.0, 0000:3b:00.0, false",
        "00000000:18:00.0, 0000:3b:00.0, false",
    })
    void pciBusIdsMatchAcrossNvmlAndCuda(String nvml, String cuda, boolean same) {
        assertEquals(same, CuptiDevices.sameBus(nvml, cuda));
    }
}
