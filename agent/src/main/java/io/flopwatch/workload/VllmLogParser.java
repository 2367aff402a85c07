package io.flopwatch.workload;

import java.util.List;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * vLLM's periodic throughput line, from {@code LoggingStatLogger.log} in
 * {@code vllm/v1/metrics/loggers.py} (V1 engine; the stored copy read is at commit 005a810b, of
 * the vLLM 0.10 series):
 *
 * <pre>
 *   "Engine %03d: Avg prompt throughput: %.1f tokens/s, Avg generation throughput: %.1f tokens/s,
 *    Running: %d reqs, Waiting: %d reqs, GPU KV cache usage: %.1f%%, Prefix cache hit rate: %.1f%%"
 * </pre>
 *
 * and the V0 engine's {@code vllm/engine/metrics.py} ({@code "Avg prompt throughput: %.1f
 * tokens/s, Avg generation throughput: %.1f tokens/s, Running: %d reqs, Swapped: %d reqs, ..."}).
 * Both rates are averages over the logging interval (5 s by default) of the whole engine, which
 * spans all its tensor- and pipeline-parallel GPUs: {@link ThroughputScope#JOB}. Prompt tokens
 * are {@link WorkloadPhase#PREFILL}, generated tokens {@link WorkloadPhase#DECODE}. With data
 * parallelism each engine logs its own line; their rates add up, so prefer the metrics endpoint
 * (which the {@link InferenceMetricsSource} sums) in that case. An idle engine logs at debug
 * level only, so no line means "unknown", which {@link TokenRate} reports as absent.
 */
final class VllmLogParser implements LineParser {
    private static final Pattern LINE = Pattern.compile(
            "Avg prompt throughput: (" + Numbers.NUMBER + ") tokens/s, Avg generation throughput: ("
                    + Numbers.NUMBER + ") tokens/s");

    @Override
    public List<ThroughputObservation> parse(String line, long nanoTime) {
        if (line.indexOf("Avg prompt throughput: ") < 0) {
            return List.of(); // the expression starts with it: most lines are passed over without a matcher
        }
        Matcher m = LINE.matcher(line);
        if (!m.find()) {
            return List.of();
        }
        OptionalDouble prompt = Numbers.parse(m.group(1));
        OptionalDouble generation = Numbers.parse(m.group(2));
        if (prompt.isEmpty() || generation.isEmpty() || prompt.getAsDouble() < 0 || generation.getAsDouble() < 0) {
            return List.of();
        }
        return List.of(
                ThroughputObservation.of(nanoTime, WorkloadPhase.PREFILL, TokenReading.RATE, prompt.getAsDouble(),
                        ThroughputScope.JOB),
                ThroughputObservation.of(nanoTime, WorkloadPhase.DECODE, TokenReading.RATE, generation.getAsDouble(),
                        ThroughputScope.JOB));
    }
}
