package io.flopwatch.analysis;

import java.util.Map;
import java.util.Optional;

/**
 * How a workload's throughput source is doing, for metrics and logs: the problems it counted
 * (a failed fetch, a skipped over-long log line, …) so a flat MFU can be told apart from a
 * source that stopped being readable.
 *
 * @param kind             {@code log}, {@code metrics}, {@code push} or {@code fixed}
 * @param events           cumulative counts by event kind (docs/metrics.md lists the kinds per source)
 * @param lastTokensAgeSeconds seconds since the source last reported tokens; NaN when it never did
 * @param logWriterMatch   for {@code gpus: {log_writer: true}}: the last match's outcome
 *                         ({@code no_writer}, {@code writer_on_no_gpu}, {@code one_writer},
 *                         {@code several_writers})
 */
public record SourceStatus(String kind, Map<String, Long> events, double lastTokensAgeSeconds,
                           Optional<String> logWriterMatch) {

    public static final SourceStatus NONE = new SourceStatus("none", Map.of(), Double.NaN, Optional.empty());

    public SourceStatus {
        events = Map.copyOf(events);
    }
}
