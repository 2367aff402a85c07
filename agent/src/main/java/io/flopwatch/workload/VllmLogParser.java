package io.flopwatch.workload;

import java.util.List;
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

    private static final byte[] PROMPT_TEXT = Scan.ascii("Avg prompt throughput: ");
    private static final byte[] GENERATION_TEXT = Scan.ascii(" tokens/s, Avg generation throughput: ");
    private static final byte[] TOKENS_TEXT = Scan.ascii(" tokens/s");

    /**
     * A hand scanner of {@link #LINE} on plain lines ({@link Scan}), held to the regular
     * expression by {@code ScannerEquivalenceTest}; other lines go to {@link #parseWithRegex}.
     */
    @Override
    public List<ThroughputObservation> parse(String line, long nanoTime) {
        if (line.indexOf("Avg prompt throughput: ") < 0) {
            return List.of(); // the expression starts with it: most lines are passed over here
        }
        byte[] b = Scan.plainBytes(line);
        if (b == null) {
            return parseWithRegex(line, nanoTime);
        }
        int n = b.length;
        for (int s = Scan.indexOf(b, n, PROMPT_TEXT, 0); s >= 0; s = Scan.indexOf(b, n, PROMPT_TEXT, s + 1)) {
            // Each number is followed by " tokens/s": a space, no number byte, so it ends where its run does.
            int prompt = s + PROMPT_TEXT.length;
            int promptEnd = Scan.numberRunEnd(b, n, prompt);
            if (!Scan.isNumber(b, prompt, promptEnd) || !Scan.startsWith(b, n, promptEnd, GENERATION_TEXT)) {
                continue;
            }
            int generation = promptEnd + GENERATION_TEXT.length;
            int generationEnd = Scan.numberRunEnd(b, n, generation);
            if (!Scan.isNumber(b, generation, generationEnd) || !Scan.startsWith(b, n, generationEnd, TOKENS_TEXT)) {
                continue;
            }
            return observations(Numbers.parse(b, prompt, promptEnd), Numbers.parse(b, generation, generationEnd), nanoTime);
        }
        return List.of();
    }

    /** The regular expression: the reference, and the path for lines the scanner does not take. */
    List<ThroughputObservation> parseWithRegex(String line, long nanoTime) {
        Matcher m = LINE.matcher(line);
        if (!m.find()) {
            return List.of();
        }
        return observations(Numbers.parse(m.group(1)).orElse(Double.NaN), Numbers.parse(m.group(2)).orElse(Double.NaN),
                nanoTime);
    }

    /** The two rates (NaN: not a number). */
    private static List<ThroughputObservation> observations(double prompt, double generation, long nanoTime) {
        if (Double.isNaN(prompt) || Double.isNaN(generation) || prompt < 0 || generation < 0) {
            return List.of();
        }
        return List.of(
                ThroughputObservation.of(nanoTime, WorkloadPhase.PREFILL, TokenReading.RATE, prompt, ThroughputScope.JOB),
                ThroughputObservation.of(nanoTime, WorkloadPhase.DECODE, TokenReading.RATE, generation, ThroughputScope.JOB));
    }
}
