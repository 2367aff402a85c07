package io.flopwatch.telemetry;

import io.flopwatch.nvml.NvmlSession;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects one GPU on a thread of its own ("flopwatch-gpu-N"), so that a native call that hangs
 * blocks only this GPU. A collection still running when the next cycle comes is not started
 * again: the worker is busy until the hung call returns, and the GPU is reported stale
 * meanwhile. The worker keeps an NVML session of its own (NVML counts initializations): the
 * bindings would let workers share one session (calls on different devices do not wait for each
 * other), but a session per worker also lets shutdown leave a hung GPU's session behind while
 * closing the others.
 */
final class DeviceWorker {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceWorker.class);

    private final int index;
    private final NvmlOpener opener;
    private final Map<String, Collector> collectors;
    private final Ticker ticker;
    private final ExecutorService thread;
    /** Touched only on this worker's thread. */
    private NvmlSession session;
    private io.flopwatch.nvml.GpuIdentity identity;
    /** Touched only on the sampler's thread. */
    private Future<GpuRecord> inFlight;
    /**
     * The driver-level NVML failure of the last finished collection (see {@link DriverLoss}), or
     * null: written by the worker's thread before its collection returns, read by the sampler after
     * {@link #await} returned that collection's record.
     */
    private volatile io.flopwatch.nvml.NvmlException driverFailure;
    /** Whether every collector (and the open) of the last finished collection failed at driver level. */
    private volatile boolean allFailedAtDriverLevel;

    DeviceWorker(int index, NvmlOpener opener, Map<String, Collector> collectors, Ticker ticker) {
        this.index = index;
        this.opener = opener;
        this.collectors = collectors;
        this.ticker = ticker;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "flopwatch-gpu-" + index);
            t.setDaemon(true);
            return t;
        });
    }

    int index() {
        return index;
    }

    /** Starts a collection unless one is still running (hung); false when busy. */
    boolean start() {
        if (inFlight != null && !inFlight.isDone()) {
            return false;
        }
        inFlight = thread.submit(this::collect);
        return true;
    }

    /** The record of the collection in flight, or null when it has not finished by {@code deadlineNanos} (System.nanoTime). */
    GpuRecord await(long deadlineNanos) throws InterruptedException {
        if (inFlight == null) {
            return null;
        }
        try {
            GpuRecord r = inFlight.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            inFlight = null;
            return r;
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            // collect() catches everything it expects; this is a bug, but one GPU's bug.
            inFlight = null;
            LOG.warn("collection of GPU {} failed", index, e.getCause());
            return null;
        }
    }

    /** The driver-level failure of the last collection {@link #await} returned, or null. */
    io.flopwatch.nvml.NvmlException driverFailure() {
        return driverFailure;
    }

    /** True when the last collection {@link #await} returned failed only with driver-level codes. */
    boolean allFailedAtDriverLevel() {
        return allFailedAtDriverLevel;
    }

    private GpuRecord collect() {
        driverFailure = null;
        allFailedAtDriverLevel = false;
        GpuRecord.Builder b = new GpuRecord.Builder(index);
        Map<String, GpuRecord.CollectorResult> results = new LinkedHashMap<>();
        try {
            if (session == null) {
                session = opener.open();
            }
            if (identity == null) {
                identity = session.identity(index);
            }
            b.identity(identity);
        } catch (RuntimeException e) {
            DriverLoss.driverLevel(e).ifPresent(n -> {
                driverFailure = n;
                allFailedAtDriverLevel = true;
            });
            return b.build(ticker.nanoTime(), false, "cannot open GPU " + index + ": " + e.getMessage(), results);
        }
        boolean anySuccess = collectors.isEmpty();
        boolean allDriverLevel = !collectors.isEmpty();
        String firstError = "";
        for (Map.Entry<String, Collector> c : collectors.entrySet()) {
            long t0 = ticker.nanoTime();
            try {
                c.getValue().collect(session, index, b);
                results.put(c.getKey(), new GpuRecord.CollectorResult((ticker.nanoTime() - t0) / 1e9, true, ""));
                anySuccess = true;
            } catch (RuntimeException e) {
                String why = c.getKey() + ": " + e.getMessage();
                results.put(c.getKey(), new GpuRecord.CollectorResult((ticker.nanoTime() - t0) / 1e9, false, why));
                if (firstError.isEmpty()) {
                    firstError = why;
                }
                var n = DriverLoss.driverLevel(e);
                allDriverLevel &= n.isPresent();
                if (n.isPresent() && (driverFailure == null || DriverLoss.libraryWide(n.get().returnCode()))) {
                    driverFailure = n.get();
                }
            }
        }
        allFailedAtDriverLevel = !anySuccess && allDriverLevel;
        return b.build(ticker.nanoTime(), anySuccess, anySuccess ? "" : firstError, results);
    }

    /**
     * Waits up to {@code graceMillis} for a collection in flight, then closes the session on the
     * worker's own thread (after any collection). A worker still hung after the grace is left
     * behind, session open: closing NVML under a call in progress is undefined.
     */
    boolean close(long graceMillis) throws InterruptedException {
        closeLater();
        return thread.awaitTermination(graceMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Closes the session on the worker's own thread once any collection in flight returns, and
     * ends the thread; does not wait. Used when the driver went away: a call hung in the old
     * driver keeps only this thread.
     */
    void closeLater() {
        if (thread.isShutdown()) {
            return;
        }
        thread.submit(() -> {
            if (session != null) {
                session.close();
            }
        });
        thread.shutdown();
    }
}
