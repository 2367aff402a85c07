package io.flopwatch.telemetry;

import io.flopwatch.nvml.DeviceEvent;
import io.flopwatch.nvml.NvmlSession;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for Xid errors ({@code nvmlEventSetWait_v2}) on a thread of its own
 * ("flopwatch-xid") with an NVML session of its own, so that waiting never delays sampling.
 * Keeps per GPU the number of Xid events seen since the agent started and the last Xid; the
 * sampler copies them into each snapshot. Logs through {@link XidLogLimiter}: the first of each
 * Xid code at once, the rest of a storm as one summary line a minute. Waits in one-second slices so that {@link #close}
 * is prompt (a watcher must not be freed while NVML waits on it).
 */
final class XidWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(XidWatcher.class);
    static final Duration WAIT_SLICE = Duration.ofSeconds(1);

    /** Xid events seen on one GPU. */
    record XidCount(long events, long lastXid) {
    }

    private final NvmlOpener opener;
    private final Map<Integer, XidCount> counts = new ConcurrentHashMap<>();
    /** An Xid storm is counted in full and logged in summary (only this thread uses it). */
    private final XidLogLimiter logLimiter = new XidLogLimiter();
    private volatile boolean running = true;
    private final Thread thread;

    XidWatcher(NvmlOpener opener) {
        this.opener = opener;
        this.thread = new Thread(this::run, "flopwatch-xid");
        thread.setDaemon(true);
        thread.start();
    }

    /** Events so far on GPU {@code index}; zero events when none. */
    XidCount count(int index) {
        return counts.getOrDefault(index, new XidCount(0, 0));
    }

    private void run() {
        try (NvmlSession nvml = opener.open(); NvmlSession.EventWatcher events = nvml.watchEvents(DeviceEvent.XID_CRITICAL_ERROR)) {
            while (running) {
                events.await(WAIT_SLICE).ifPresent(e -> {
                    if (e.isXid()) {
                        counts.merge(e.deviceIndex(), new XidCount(1, e.eventData()),
                                (a, b) -> new XidCount(a.events() + 1, b.lastXid()));
                        logLimiter.onEvent(e.deviceIndex(), e.eventData(), System.nanoTime()).ifPresent(LOG::warn);
                    }
                });
                logLimiter.due(System.nanoTime()).forEach(LOG::warn);
            }
        } catch (Throwable t) {
            // No events on this system (or NVML went away): sampling goes on without Xid counts.
            LOG.info("Xid events unavailable: {}", t.toString());
        }
    }

    /** Asks the thread to end after its current wait slice, without waiting for it (the driver went away). */
    void stopLater() {
        running = false;
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(WAIT_SLICE.multipliedBy(3).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
