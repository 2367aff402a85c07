package io.flopwatch.workload;

import java.util.List;

/**
 * The seam between the workload sources and the live agent: something that, each time the agent
 * asks, says what the workload reported since the last time.
 *
 * <p>Implementations are polled: the agent calls {@link #poll()} from one thread of its own (the
 * sampler's), at its own pace. A source owns no thread, never sleeps and never blocks for long: a
 * log source reads what the files hold now; a metrics source makes one bounded fetch. Not
 * thread-safe; one caller at a time.
 *
 * <p>The agent feeds the observations into a {@link TokenRate} per {@link WorkloadPhase} to get
 * smoothed tokens per second, and maps each to this node's share with {@link ScopeMapping}.
 */
public interface ThroughputSource extends AutoCloseable {

    /** A short name for logs and metric labels, e.g. {@code log:/var/log/train.log} or {@code vllm}. */
    String name();

    /**
     * What the workload reported since the previous call, oldest first; empty when nothing new.
     * Never throws for an expected outcome (file absent, server down): that is an empty list and a
     * counted error in the source's own statistics.
     */
    List<ThroughputObservation> poll();

    /**
     * What the source counted since it opened, by kind (each only grows): the problems it met
     * and worked around, so they can be exported (flopwatch_workload_source_events_total).
     * Kinds are lower_snake_case; docs/metrics.md lists them per source. Default: none.
     */
    default java.util.Map<String, Long> events() {
        return java.util.Map.of();
    }

    /** Releases open files; the default does nothing. */
    @Override
    default void close() {
    }
}
