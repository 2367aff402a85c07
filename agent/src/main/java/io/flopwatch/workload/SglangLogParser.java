package io.flopwatch.workload;

import java.util.List;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SGLang's scheduler lines, from {@code log_decode_stats} and {@code log_prefill_stats} in
 * {@code python/sglang/srt/managers/scheduler_metrics_mixin.py} (sgl-project/sglang, read at commit 01bb3c80, 2025; the
 * same strings lived in {@code scheduler.py} before the mixin was split out):
 *
 * <pre>
 *   Decode batch, #running-req: 20, #token: 2326, token usage: 0.14, cuda graph: True, gen throughput (token/s): 1174.06, #queue-req: 6,
 *   Prefill batch, #new-seq: 3, #new-token: 4096, #cached-token: 128, token usage: 0.02, #running-req: 17, #queue-req: 0,
 * </pre>
 *
 * (older releases wrote {@code "Decode batch. "}; optional {@code " [forward_ct]"} after "batch";
 * a {@code [TP0]} or {@code [DP0 TP0]} prefix). The decode line's {@code gen throughput} is the
 * tokens generated since the previous decode log divided by the time since it, a
 * {@link TokenReading#RATE} for {@link WorkloadPhase#DECODE}. Each prefill line is one batch:
 * {@code #new-token} tokens were computed (the {@code #cached-token} prefix hits were not), a
 * {@link TokenReading#DELTA} for {@link WorkloadPhase#PREFILL}; its optional
 * {@code input throughput} field (disaggregated prefill mode only) is not needed. Scope
 * {@link ThroughputScope#JOB}: the line covers the scheduler's whole tensor-parallel group; with
 * data parallelism each DP rank logs its own lines and the metrics endpoint is the better source.
 */
final class SglangLogParser implements LineParser {
    private static final Pattern DECODE = Pattern.compile(
            "Decode batch(?: \\[\\d+\\])?[.,].*?gen throughput \\(token/s\\): (" + Numbers.NUMBER + ")");
    private static final Pattern PREFILL = Pattern.compile(
            "Prefill batch(?: \\[\\d+\\])?[.,].*?#new-token: (\\d+)");

    @Override
    public List<ThroughputObservation> parse(String line, long nanoTime) {
        Matcher d = DECODE.matcher(line);
        if (d.find()) {
            OptionalDouble v = Numbers.parse(d.group(1));
            if (v.isEmpty() || v.getAsDouble() < 0) {
                return List.of();
            }
            return List.of(ThroughputObservation.of(nanoTime, WorkloadPhase.DECODE, TokenReading.RATE,
                    v.getAsDouble(), ThroughputScope.JOB));
        }
        Matcher p = PREFILL.matcher(line);
        if (p.find()) {
            return List.of(ThroughputObservation.of(nanoTime, WorkloadPhase.PREFILL, TokenReading.DELTA,
                    Long.parseLong(p.group(1)), ThroughputScope.JOB));
        }
        return List.of();
    }
}
