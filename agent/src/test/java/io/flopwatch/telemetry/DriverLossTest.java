package io.flopwatch.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The driver goes away after a successful start (module unloaded, reloaded, GPUs lost): the
 * sampler reports NVML down with the reason, reopens with the start-up backoff, and enumerates
 * the GPUs anew. Driven by {@link FakeDriver} and {@link FakeTicker}; error codes from nvml.h.
 */
class DriverLossTest {

    /** One NVML call per GPU per cycle, so that each cycle sees the driver's current state. */
    static final Map<String, Collector> PROBE = Map.of("probe", (nvml, i, into) -> nvml.gpmSupported(i));

    static Sampler sampler(FakeDriver driver, FakeTicker ticker) {
        return new Sampler(driver::open, PROBE, Duration.ofSeconds(1), Duration.ofSeconds(30), ticker,
                SamplerTest.NO_ANALYSIS);
    }

    static List<String> uuids(Snapshot s) {
        return s.gpus().stream().map(g -> g.identity().orElseThrow().uuid()).toList();
    }

    /** Waits (bounded) for the workers' threads to close their sessions; they do it after any call in flight. */
    static void awaitOpenSessions(FakeDriver driver, int expected) throws InterruptedException {
        for (int i = 0; i < 500 && driver.openSessions.get() != expected; i++) {
            Thread.sleep(10);
        }
        assertEquals(expected, driver.openSessions.get(), "sessions left open");
    }

    @Test
    void driverUnloadedThenBackReportsDownWithTheReasonThenRecovers() throws Exception {
        FakeDriver driver = new FakeDriver("GPU-a", "GPU-b");
        FakeTicker ticker = new FakeTicker();
        try (Sampler sampler = sampler(driver, ticker)) {
            Snapshot up = sampler.cycle();
            assertTrue(up.nvmlUp());
            assertEquals(List.of("GPU-a", "GPU-b"), uuids(up));
            assertTrue(up.gpus().stream().allMatch(GpuRecord::up));
            // Fast GPUs are all read by one reader lane (GpuLanes), with one session of its own.
            assertEquals(2, driver.openSessions.get(), "control session + the one reader lane's");

            driver.unload(); // every call now returns NVML_ERROR_DRIVER_NOT_LOADED (9)
            Snapshot lost = sampler.cycle();
            assertFalse(lost.nvmlUp());
            assertTrue(lost.nvmlReason().contains("NVML error 9: Driver Not Loaded"), lost.nvmlReason());
            assertEquals(List.of(), lost.gpus(), "no GPU is reported while NVML is down");
            awaitOpenSessions(driver, 0);

            // Back on the start-up path: the first reopen comes at once, then 1 s, 2 s, ... apart.
            Snapshot retrying = sampler.cycle();
            assertFalse(retrying.nvmlUp());
            assertTrue(retrying.nvmlReason().contains("NVIDIA driver not loaded"), retrying.nvmlReason());
            int opens = driver.opens.get();
            driver.reload("GPU-a", "GPU-b");
            ticker.advance(Duration.ofMillis(999));
            assertFalse(sampler.cycle().nvmlUp(), "no attempt before the backoff ends");
            assertEquals(opens, driver.opens.get());
            ticker.advance(Duration.ofMillis(1));
            Snapshot back = sampler.cycle();
            assertTrue(back.nvmlUp());
            assertEquals("", back.nvmlReason());
            assertEquals(List.of("GPU-a", "GPU-b"), uuids(back));
            assertTrue(back.gpus().stream().allMatch(GpuRecord::up), back.gpus().toString());
            assertEquals(2, driver.openSessions.get());
        }
        awaitOpenSessions(driver, 0);
    }

    /**
     * A reload between two cycles with a different GPU set: the old sessions answer
     * NVML_ERROR_UNINITIALIZED (1); the reopen enumerates three GPUs, GPU-b is gone, GPU-c and
     * GPU-d are new.
     */
    @Test
    void aReloadWithOtherGpusIsEnumeratedAnew() throws Exception {
        FakeDriver driver = new FakeDriver("GPU-a", "GPU-b");
        FakeTicker ticker = new FakeTicker();
        try (Sampler sampler = sampler(driver, ticker)) {
            assertEquals(List.of("GPU-a", "GPU-b"), uuids(sampler.cycle()));
            driver.reload("GPU-a", "GPU-c", "GPU-d");
            Snapshot lost = sampler.cycle();
            assertFalse(lost.nvmlUp());
            assertTrue(lost.nvmlReason().contains("NVML error 1: Uninitialized"), lost.nvmlReason());
            Snapshot back = sampler.cycle(); // the first reopen after a loss is not delayed
            assertTrue(back.nvmlUp());
            assertEquals(List.of("GPU-a", "GPU-c", "GPU-d"), uuids(back));
            assertEquals(List.of(0, 1, 2), back.gpus().stream().map(GpuRecord::index).toList());
            assertTrue(back.gpus().stream().allMatch(GpuRecord::up));
            awaitOpenSessions(driver, 2); // control + one reader lane for the three GPUs

            driver.reload("GPU-d"); // and down to one
            sampler.cycle();
            Snapshot one = sampler.cycle();
            assertEquals(List.of("GPU-d"), uuids(one));
            awaitOpenSessions(driver, 2);
        }
    }

    /** NVML_ERROR_GPU_IS_LOST (15) on one GPU only: that GPU is down, the others go on, it is retried. */
    @Test
    void oneLostGpuStaysThatGpusProblem() throws Exception {
        FakeDriver driver = new FakeDriver("GPU-a", "GPU-b");
        FakeTicker ticker = new FakeTicker();
        try (Sampler sampler = sampler(driver, ticker)) {
            sampler.cycle();
            driver.lose(1);
            for (int cycle = 0; cycle < 3; cycle++) {
                ticker.advance(Duration.ofSeconds(1));
                Snapshot s = sampler.cycle();
                assertTrue(s.nvmlUp());
                assertTrue(s.gpu(0).orElseThrow().up());
                GpuRecord b = s.gpu(1).orElseThrow();
                assertFalse(b.up());
                assertTrue(b.reason().contains("NVML error 15"), b.reason());
            }
            assertEquals(2, driver.opens.get(), "NVML is not reopened for one lost GPU (control + one reader lane)");
        }
    }

    /** GPU_IS_LOST on every GPU (all handles gone, e.g. across a reset of the driver): NVML is reopened. */
    @Test
    void everyGpuLostReopensNvml() throws Exception {
        FakeDriver driver = new FakeDriver("GPU-a", "GPU-b");
        FakeTicker ticker = new FakeTicker();
        try (Sampler sampler = sampler(driver, ticker)) {
            sampler.cycle();
            driver.lose(0);
            driver.lose(1);
            Snapshot lost = sampler.cycle();
            assertFalse(lost.nvmlUp());
            assertTrue(lost.nvmlReason().contains("NVML error 15"), lost.nvmlReason());
            driver.reload("GPU-a", "GPU-b");
            Snapshot back = sampler.cycle();
            assertTrue(back.nvmlUp());
            assertTrue(back.gpus().stream().allMatch(GpuRecord::up));
        }
    }

    /**
     * GPUs still lost after the reopen: NVML opens, but no GPU answers; the next reopens back off
     * (1 s, 2 s, ...) instead of coming every cycle.
     */
    @Test
    void gpusStillLostAfterTheReopenBackOff() throws Exception {
        FakeDriver driver = new FakeDriver("GPU-a", "GPU-b");
        FakeTicker ticker = new FakeTicker();
        try (Sampler sampler = sampler(driver, ticker)) {
            sampler.cycle();
            driver.lose(0);
            driver.lose(1);
            assertFalse(sampler.cycle().nvmlUp()); // lost
            int opens = driver.opens.get();
            assertFalse(sampler.cycle().nvmlUp()); // reopened at once (+2 sessions: control, reader lane), GPUs still lost
            assertEquals(opens + 2, driver.opens.get());
            assertFalse(sampler.cycle().nvmlUp());
            assertEquals(opens + 2, driver.opens.get(), "no reopen before 1 s");
            ticker.advance(Duration.ofSeconds(1));
            assertFalse(sampler.cycle().nvmlUp());
            assertEquals(opens + 4, driver.opens.get());
            ticker.advance(Duration.ofMillis(1999));
            sampler.cycle();
            assertEquals(opens + 4, driver.opens.get(), "no reopen before 2 s more");
            driver.reload("GPU-a", "GPU-b");
            ticker.advance(Duration.ofMillis(1));
            Snapshot back = sampler.cycle();
            assertTrue(back.nvmlUp());
            assertTrue(back.gpus().stream().allMatch(GpuRecord::up));
        }
    }
}
