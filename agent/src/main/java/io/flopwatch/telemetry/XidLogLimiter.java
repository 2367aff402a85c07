package io.flopwatch.telemetry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which Xid events get a log line. A failing GPU can raise thousands of Xids a second (an Xid
 * storm); a line each would flood the journal and cost more than the sampling. Every event is
 * counted (flopwatch_gpu_xid_errors_total); the log gets the first event of each Xid code on a
 * GPU at once, and for the rest at most one summary line per GPU per {@link #SUMMARY_EVERY}.
 * Not thread-safe: the Xid thread is its only caller. Time comes in as nanoTime values.
 */
final class XidLogLimiter {
    static final Duration SUMMARY_EVERY = Duration.ofSeconds(60);
    /** Distinct Xid codes remembered per GPU (NVIDIA's Xid catalog has a few hundred). */
    static final int MAX_CODES_PER_GPU = 256;

    private static final class GpuState {
        final Set<Long> codesSeen = new HashSet<>();
        long suppressed;
        long lastSuppressedXid;
        long windowStartNanos;
    }

    private final Map<Integer, GpuState> gpus = new HashMap<>();

    /** The line to log for this event now, or empty when it is only counted (until the next summary). */
    Optional<String> onEvent(int gpu, long xid, long nowNanos) {
        GpuState g = gpus.computeIfAbsent(gpu, k -> new GpuState());
        if (g.codesSeen.size() < MAX_CODES_PER_GPU && g.codesSeen.add(xid)) {
            return Optional.of("GPU " + gpu + ": Xid " + xid);
        }
        if (g.suppressed == 0) {
            g.windowStartNanos = nowNanos;
        }
        g.suppressed++;
        g.lastSuppressedXid = xid;
        return Optional.empty();
    }

    /** Summaries due at {@code nowNanos}: one per GPU whose counted-only events span a full period. */
    List<String> due(long nowNanos) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<Integer, GpuState> e : gpus.entrySet()) {
            GpuState g = e.getValue();
            if (g.suppressed > 0 && nowNanos - g.windowStartNanos >= SUMMARY_EVERY.toNanos()) {
                out.add("GPU " + e.getKey() + ": " + g.suppressed + " more Xid events in the last "
                        + Duration.ofNanos(nowNanos - g.windowStartNanos).toSeconds() + " s (last: Xid "
                        + g.lastSuppressedXid + "); each is counted in flopwatch_gpu_xid_errors_total");
                g.suppressed = 0;
            }
        }
        return out;
    }
}
