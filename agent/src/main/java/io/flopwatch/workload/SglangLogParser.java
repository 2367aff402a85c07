package io.flopwatch.workload;

import java.util.List;
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

    private static final byte[] DECODE_TEXT = Scan.ascii("Decode batch");
    private static final byte[] PREFILL_TEXT = Scan.ascii("Prefill batch");
    private static final byte[] GEN_TEXT = Scan.ascii("gen throughput (token/s): ");
    private static final byte[] NEW_TOKEN_TEXT = Scan.ascii("#new-token: ");

    /**
     * A hand scanner of {@link #DECODE} and {@link #PREFILL} on plain lines ({@link Scan}), held to
     * the regular expressions by {@code ScannerEquivalenceTest}; other lines go to
     * {@link #parseWithRegex}.
     */
    @Override
    public List<ThroughputObservation> parse(String line, long nanoTime) {
        if (line.indexOf(" batch") < 0) {
            return List.of();
        }
        byte[] b = Scan.plainBytes(line);
        if (b == null) {
            return parseWithRegex(line, nanoTime);
        }
        int n = b.length;
        for (int s = Scan.indexOf(b, n, DECODE_TEXT, 0); s >= 0; s = Scan.indexOf(b, n, DECODE_TEXT, s + 1)) {
            int rest = afterBatch(b, n, s + DECODE_TEXT.length);
            if (rest < 0) {
                continue;
            }
            for (int g = Scan.indexOf(b, n, GEN_TEXT, rest); g >= 0; g = Scan.indexOf(b, n, GEN_TEXT, g + 1)) {
                int v = g + GEN_TEXT.length;
                int e = Scan.numberEnd(b, n, v);
                if (e >= 0) {
                    return decode(Numbers.parse(b, v, e), nanoTime);
                }
            }
        }
        for (int s = Scan.indexOf(b, n, PREFILL_TEXT, 0); s >= 0; s = Scan.indexOf(b, n, PREFILL_TEXT, s + 1)) {
            int rest = afterBatch(b, n, s + PREFILL_TEXT.length);
            if (rest < 0) {
                continue;
            }
            for (int t = Scan.indexOf(b, n, NEW_TOKEN_TEXT, rest); t >= 0; t = Scan.indexOf(b, n, NEW_TOKEN_TEXT, t + 1)) {
                int v = t + NEW_TOKEN_TEXT.length;
                int e = Scan.digitsEnd(b, n, v);
                if (e > v) {
                    long tokens = Scan.digits(b, v, e);
                    return tokens < 0 ? parseWithRegex(line, nanoTime) : prefill(tokens, nanoTime);
                }
            }
        }
        return List.of();
    }

    /**
     * After "Decode batch" or "Prefill batch": {@code (?: \[\d+\])?[.,]}, where the bracket is
     * taken when it is complete (leaving it out cannot help, a space is not {@code [.,]}); the
     * index after it, or -1.
     */
    private static int afterBatch(byte[] b, int n, int i) {
        if (i + 1 < n && b[i] == ' ' && b[i + 1] == '[') {
            int d = Scan.digitsEnd(b, n, i + 2);
            if (d > i + 2 && d < n && b[d] == ']') {
                i = d + 1;
            }
        }
        return i < n && (b[i] == '.' || b[i] == ',') ? i + 1 : -1;
    }

    /** The regular expressions: the reference, and the path for lines the scanner does not take. */
    List<ThroughputObservation> parseWithRegex(String line, long nanoTime) {
        Matcher d = DECODE.matcher(line);
        if (d.find()) {
            return decode(Numbers.parse(d.group(1)).orElse(Double.NaN), nanoTime);
        }
        Matcher p = PREFILL.matcher(line);
        if (p.find()) {
            return prefill(Long.parseLong(p.group(1)), nanoTime);
        }
        return List.of();
    }

    private static List<ThroughputObservation> decode(double tokensPerSecond, long nanoTime) {
        if (Double.isNaN(tokensPerSecond) || tokensPerSecond < 0) {
            return List.of();
        }
        return List.of(ThroughputObservation.of(nanoTime, WorkloadPhase.DECODE, TokenReading.RATE,
                tokensPerSecond, ThroughputScope.JOB));
    }

    private static List<ThroughputObservation> prefill(long tokens, long nanoTime) {
        return List.of(ThroughputObservation.of(nanoTime, WorkloadPhase.PREFILL, TokenReading.DELTA, tokens,
                ThroughputScope.JOB));
    }
}
