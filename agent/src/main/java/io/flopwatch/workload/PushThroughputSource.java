package io.flopwatch.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Token counts a workload posts to the agent's push endpoint. The HTTP handler threads
 * {@link #offer} observations; the sampler {@link #poll}s them. At most {@link #MAX_PENDING}
 * wait between polls, so a client posting in a tight loop cannot exhaust memory (the oldest
 * are dropped and counted).
 */
public final class PushThroughputSource implements ThroughputSource {
    static final int MAX_PENDING = 10_000;

    private final String workload;
    private final ConcurrentLinkedQueue<ThroughputObservation> pending = new ConcurrentLinkedQueue<>();
    private volatile long dropped;

    public PushThroughputSource(String workload) {
        this.workload = workload;
    }

    @Override
    public String name() {
        return "push:" + workload;
    }

    /** Thread-safe. */
    public void offer(ThroughputObservation o) {
        pending.add(o);
        while (pending.size() > MAX_PENDING) {
            if (pending.poll() != null) {
                dropped++;
            }
        }
    }

    @Override
    public java.util.Map<String, Long> events() {
        return java.util.Map.of("pushes_dropped", dropped);
    }

    public long dropped() {
        return dropped;
    }

    @Override
    public List<ThroughputObservation> poll() {
        List<ThroughputObservation> out = new ArrayList<>();
        for (ThroughputObservation o; (o = pending.poll()) != null; ) {
            out.add(o);
        }
        return out;
    }
}
