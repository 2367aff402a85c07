package io.flopwatch.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The GPU reader lanes ({@link GpuLanes}) through the {@link Sampler}: one lane reads every GPU
 * while they answer quickly, another joins when one is slow, a hung GPU holds one lane and only
 * itself, lanes never outnumber the GPUs, and every session closes on the thread that opened it.
 * Slow and hung GPUs are collectors that wait on latches the test (or another GPU's collector)
 * releases; nothing waits on time for its result, though a hung GPU makes a cycle last its
 * (short) deadline, as it does in the agent.
 */
class GpuLanesTest {
    /** Long enough that no lane waits for it on a healthy cycle, even on a loaded CI machine. */
    static final Duration LONG_DEADLINE = Duration.ofSeconds(30);
    static final Duration BOUND = Duration.ofSeconds(20);

    static String[] gpus(int n) {
        String[] uuids = new String[n];
        for (int i = 0; i < n; i++) {
            uuids[i] = "GPU-" + i;
        }
        return uuids;
    }

    static Sampler sampler(FakeDriver driver, Collector collector, Duration deadline, FakeTicker ticker) {
        return new Sampler(driver::open, Map.of("probe", collector), Duration.ofSeconds(1), deadline, ticker,
                SamplerTest.NO_ANALYSIS);
    }

    /** Waits (bounded) for something a lane does after its call returns, on its own thread. */
    static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
        for (int i = 0; i < 2000 && !condition.getAsBoolean(); i++) {
            Thread.sleep(10);
        }
        assertTrue(condition.getAsBoolean(), what);
    }

    static void await(CountDownLatch latch) {
        try {
            if (!latch.await(BOUND.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("latch not released within " + BOUND);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Step = deadline / 8, at least 2 ms, at most the deadline (GpuLanes.step's Javadoc gives the reasons). */
    @ParameterizedTest
    @CsvSource({
        "500, 62.5", // the default deadline at 1 Hz (half the interval)
        "2000, 250", // the default's cap (2 s)
        "100, 12.5",
        "16, 2", // the floor
        "10, 2",
        "1, 1", // never past the deadline
    })
    void stepIsAnEighthOfTheDeadlineWithAFloor(long deadlineMillis, double stepMillis) {
        assertEquals(stepMillis, GpuLanes.step(Duration.ofMillis(deadlineMillis)).toNanos() / 1e6, 1e-9);
    }

    @Test
    void oneLaneReadsEveryGpuWhenTheyAreFast() throws Exception {
        FakeDriver driver = new FakeDriver(gpus(8));
        Map<Integer, String> readBy = new ConcurrentHashMap<>();
        Collector probe = (nvml, i, into) -> readBy.put(i, Thread.currentThread().getName());
        try (Sampler sampler = sampler(driver, probe, LONG_DEADLINE, new FakeTicker())) {
            String lane = null;
            for (int cycle = 0; cycle < 5; cycle++) {
                readBy.clear();
                Snapshot s = sampler.cycle();
                assertEquals(8, s.gpus().size());
                assertTrue(s.gpus().stream().allMatch(GpuRecord::up), s.gpus().toString());
                assertEquals(1, Set.copyOf(readBy.values()).size(), "one thread read all GPUs: " + readBy);
                assertEquals(1, sampler.lanesInLastCycle());
                String name = readBy.get(0);
                assertTrue(name.startsWith("flopwatch-gpu-reader-"), name);
                if (lane != null) {
                    assertEquals(lane, name, "the same lane every cycle");
                }
                lane = name;
            }
            assertEquals(1, sampler.liveLanes());
            assertEquals(2, driver.openSessions.get(), "control session + the lane's");
        }
    }

    /**
     * GPU 0 answers only after GPUs 1 to 3 were read: with one lane stuck on GPU 0 they can only
     * be read by a second lane that joined after the step, and all four finish in the same cycle.
     */
    @Test
    void aSlowGpuMakesAnotherLaneJoinSoTheOthersFinishInTheSameCycle() throws Exception {
        FakeDriver driver = new FakeDriver(gpus(4));
        AtomicReference<CountDownLatch> othersRead = new AtomicReference<>(new CountDownLatch(0));
        Map<Integer, String> readBy = new ConcurrentHashMap<>();
        Collector probe = (nvml, i, into) -> {
            readBy.put(i, Thread.currentThread().getName());
            if (i == 0) {
                await(othersRead.get());
            } else {
                othersRead.get().countDown();
            }
        };
        try (Sampler sampler = sampler(driver, probe, Duration.ofSeconds(2), new FakeTicker())) {
            sampler.cycle(); // every GPU's identity read once, on one lane
            othersRead.set(new CountDownLatch(3));
            readBy.clear();
            Snapshot s = sampler.cycle();
            assertTrue(s.gpus().stream().allMatch(GpuRecord::up), s.gpus().toString());
            assertTrue(sampler.lanesInLastCycle() >= 2, "lanes: " + sampler.lanesInLastCycle());
            for (int i = 1; i < 4; i++) {
                assertNotEquals(readBy.get(0), readBy.get(i), "GPU " + i + " read by another lane than GPU 0");
            }
            assertTrue(sampler.liveLanes() <= 4);
        }
    }

    /**
     * GPU 1 hangs: GPUs 0 and 2 are read in the same cycle, GPU 1 is stale with the deadline in
     * its reason and is not called again while its call hangs; released, it recovers.
     */
    @Test
    void aHungGpuIsStaleAloneIsNotRestartedAndRecovers() throws Exception {
        FakeDriver driver = new FakeDriver(gpus(3));
        AtomicBoolean hangNext = new AtomicBoolean();
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger gpu1Calls = new AtomicInteger();
        Collector probe = (nvml, i, into) -> {
            if (i == 1) {
                gpu1Calls.incrementAndGet();
                if (hangNext.getAndSet(false)) {
                    await(release);
                }
            }
        };
        FakeTicker ticker = new FakeTicker();
        try (Sampler sampler = sampler(driver, probe, Duration.ofMillis(400), ticker)) {
            Snapshot before = sampler.cycle();
            assertTrue(before.gpus().stream().allMatch(GpuRecord::up));
            hangNext.set(true);
            for (int cycle = 0; cycle < 2; cycle++) {
                ticker.advance(Duration.ofSeconds(1));
                Snapshot s = sampler.cycle();
                assertTrue(s.gpu(0).orElseThrow().up() && s.gpu(2).orElseThrow().up(), s.gpus().toString());
                assertTrue(s.gpu(0).orElseThrow().sampledAtNanos() > before.gpu(0).orElseThrow().sampledAtNanos());
                GpuRecord hung = s.gpu(1).orElseThrow();
                assertFalse(hung.up());
                assertEquals("collection did not finish within 400 ms", hung.reason());
                assertEquals(2, gpu1Calls.get(), "GPU 1 not called again while its call hangs");
                assertTrue(sampler.liveLanes() <= 3, "lanes: " + sampler.liveLanes());
            }
            release.countDown();
            ticker.advance(Duration.ofSeconds(1));
            Snapshot back = sampler.cycle();
            assertTrue(back.gpus().stream().allMatch(GpuRecord::up), back.gpus().toString());
            eventually(() -> sampler.liveLanes() <= 2, "the retired lane ended after its call returned");
        }
        DriverLossTest.awaitOpenSessions(driver, 0);
        assertEquals(List.of(), driver.closedElsewhere);
    }

    /** 200 hangs of GPU 0, each released after its cycle: the lane threads never outnumber the GPUs, none is left. */
    @Test
    void twoHundredHangsLeaveTheLaneThreadsBounded() throws Exception {
        FakeDriver driver = new FakeDriver(gpus(2));
        AtomicReference<CountDownLatch> release = new AtomicReference<>(new CountDownLatch(0));
        AtomicInteger hangs = new AtomicInteger();
        Set<Thread> lanes = ConcurrentHashMap.newKeySet();
        Collector probe = (nvml, i, into) -> {
            lanes.add(Thread.currentThread());
            CountDownLatch l = release.get();
            if (i == 0 && l.getCount() > 0) {
                hangs.incrementAndGet();
                await(l);
            }
        };
        FakeTicker ticker = new FakeTicker();
        try (Sampler sampler = sampler(driver, probe, Duration.ofMillis(10), ticker)) {
            sampler.retime(Duration.ofSeconds(1), LONG_DEADLINE);
            sampler.cycle();
            sampler.retime(Duration.ofSeconds(1), Duration.ofMillis(10));
            for (int cycle = 0; cycle < 2000 && hangs.get() < 200; cycle++) {
                CountDownLatch l = new CountDownLatch(1);
                release.set(l);
                ticker.advance(Duration.ofSeconds(1));
                sampler.cycle();
                assertTrue(sampler.liveLanes() <= 2, "lanes alive: " + sampler.liveLanes());
                // A lane leaves the count after closing its session, a moment before its thread ends.
                assertTrue(lanes.stream().filter(Thread::isAlive).count() <= 3, "lane threads alive");
                l.countDown();
            }
            assertEquals(200, hangs.get());
            release.set(new CountDownLatch(0));
            sampler.retime(Duration.ofSeconds(1), LONG_DEADLINE);
            ticker.advance(Duration.ofSeconds(1));
            Snapshot s = sampler.cycle();
            assertTrue(s.gpus().stream().allMatch(GpuRecord::up), s.gpus().toString());
            eventually(() -> lanes.stream().filter(Thread::isAlive).count() <= 1, "retired lanes ended");
        }
        eventually(() -> lanes.stream().noneMatch(Thread::isAlive), "every lane ended after close()");
        DriverLossTest.awaitOpenSessions(driver, 0);
        assertEquals(List.of(), driver.closedElsewhere);
    }

    /**
     * With two lanes' sessions open (a slow GPU made a second lane join), a driver loss and then
     * close() close every session on the thread that opened it; a lane hung at close() keeps its
     * session open until its call returns, then closes it itself.
     */
    @Test
    void driverLossAndCloseCloseEachSessionOnTheThreadThatOpenedIt() throws Exception {
        FakeDriver driver = new FakeDriver(gpus(2));
        AtomicReference<CountDownLatch> gpu1Read = new AtomicReference<>(new CountDownLatch(0));
        AtomicBoolean hangNext = new AtomicBoolean();
        CountDownLatch release = new CountDownLatch(1);
        Collector probe = (nvml, i, into) -> {
            nvml.gpmSupported(i); // fails when the driver is gone
            if (i == 0) {
                await(gpu1Read.get());
                if (hangNext.getAndSet(false)) {
                    await(release);
                }
            } else {
                gpu1Read.get().countDown();
            }
        };
        FakeTicker ticker = new FakeTicker();
        Sampler sampler = sampler(driver, probe, Duration.ofSeconds(2), ticker);
        try {
            gpu1Read.set(new CountDownLatch(1));
            assertTrue(sampler.cycle().gpus().stream().allMatch(GpuRecord::up));
            assertEquals(3, driver.openSessions.get(), "control + two lanes");

            driver.unload();
            Snapshot lost = sampler.cycle();
            assertFalse(lost.nvmlUp());
            DriverLossTest.awaitOpenSessions(driver, 0);
            assertEquals(List.of(), driver.closedElsewhere);

            driver.reload(gpus(2));
            gpu1Read.set(new CountDownLatch(1));
            Snapshot back = sampler.cycle(); // the first reopen after a loss comes at once
            assertTrue(back.nvmlUp(), back.nvmlReason());
            assertEquals(3, driver.openSessions.get(), "control + two lanes");

            gpu1Read.set(new CountDownLatch(0));
            hangNext.set(true);
            sampler.retime(Duration.ofSeconds(1), Duration.ofMillis(200));
            ticker.advance(Duration.ofSeconds(1));
            assertFalse(sampler.cycle().gpu(0).orElseThrow().up());
        } finally {
            sampler.close(Duration.ofMillis(100));
        }
        assertEquals(1, driver.openSessions.get(), "the hung lane's session is left open");
        release.countDown();
        DriverLossTest.awaitOpenSessions(driver, 0);
        assertEquals(List.of(), driver.closedElsewhere);
    }
}
