package io.flopwatch.workload;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * torchtitan's training log line, from {@code MetricsProcessor.log} in
 * {@code torchtitan/components/metrics.py} (pytorch/torchtitan, commit 00fbaafa, 2025):
 *
 * <pre>
 *   step: {step:2}  loss: {loss:7.4f}  grad_norm: {grad_norm:7.4f}  memory: {gib:5.2f}GiB({pct:.2f}%)
 *   tps: {round(tps):,}  tflops: {tflops:,.2f}  mfu: {mfu:.2f}%
 * </pre>
 *
 * (one line, wrapped in terminal colour escapes, which are stripped). The source says
 * {@code tps} is "tokens per second per device" ({@code ntokens_since_last_log / (time_delta ×
 * non_data_parallel_size)}), so readings are in {@link ThroughputScope#GPU} scope; {@code tflops}
 * and {@code mfu} are per device too. Older releases print no {@code grad_norm} or no
 * {@code tflops}; both are optional here. {@code validate step:} lines (validation throughput) are
 * not training and are ignored.
 */
final class TorchtitanParser implements LineParser {
    private static final Pattern STEP = Pattern.compile(
            "(?<!validate )\\bstep:\\s*(\\d+)\\s.*?\\btps:\\s*(" + Numbers.NUMBER + ")"
                    + "(?:.*?\\btflops:\\s*(" + Numbers.NUMBER + "))?"
                    + "(?:.*?\\bmfu:\\s*(" + Numbers.NUMBER + ")%)?");

    private static final byte[] STEP_TEXT = Scan.ascii("step:");
    private static final byte[] VALIDATE_TEXT = Scan.ascii("validate ");
    private static final byte[] TPS_TEXT = Scan.ascii("tps:");
    private static final byte[] TFLOPS_TEXT = Scan.ascii("tflops:");
    private static final byte[] MFU_TEXT = Scan.ascii("mfu:");

    /**
     * A hand scanner of {@link #STEP} on plain lines ({@link Scan}) with the colour escapes
     * removed, held to the regular expression by {@code ScannerEquivalenceTest}; other lines go to
     * {@link #parseWithRegex}.
     */
    @Override
    public List<ThroughputObservation> parse(String rawLine, long nanoTime) {
        byte[] b = Scan.plainBytes(rawLine);
        if (b == null) {
            return parseWithRegex(rawLine, nanoTime);
        }
        int n = Scan.stripAnsi(b, b.length);
        for (int s = Scan.indexOf(b, n, STEP_TEXT, 0); s >= 0; s = Scan.indexOf(b, n, STEP_TEXT, s + 1)) {
            if (s > 0 && Scan.isWord(b[s - 1]) || s >= VALIDATE_TEXT.length
                    && Scan.startsWith(b, n, s - VALIDATE_TEXT.length, VALIDATE_TEXT)) {
                continue;
            }
            int stepStart = Scan.skipSpaces(b, n, s + STEP_TEXT.length);
            int stepEnd = Scan.digitsEnd(b, n, stepStart);
            if (stepEnd == stepStart || stepEnd >= n || !Scan.isSpace(b[stepEnd])) {
                continue;
            }
            // ".*?\btps:": the first "tps:" after the step whose number is there (lazy).
            int tps = -1;
            int tpsEnd = -1;
            for (int t = Scan.indexOf(b, n, TPS_TEXT, stepEnd + 1); t >= 0; t = Scan.indexOf(b, n, TPS_TEXT, t + 1)) {
                if (!Scan.isWord(b[t - 1])) {
                    tps = Scan.skipSpaces(b, n, t + TPS_TEXT.length);
                    tpsEnd = Scan.numberEnd(b, n, tps);
                    if (tpsEnd >= 0) {
                        break;
                    }
                }
            }
            if (tpsEnd < 0) {
                continue;
            }
            long step = Scan.digits(b, stepStart, stepEnd);
            if (step < 0) {
                return parseWithRegex(rawLine, nanoTime);
            }
            // The optional parts: first "tflops: NUMBER" after tps, then first "mfu: NUMBER%" after that.
            double tflops = Double.NaN;
            int from = tpsEnd;
            for (int t = Scan.indexOf(b, n, TFLOPS_TEXT, from); t >= 0; t = Scan.indexOf(b, n, TFLOPS_TEXT, t + 1)) {
                if (!Scan.isWord(b[t - 1])) {
                    int v = Scan.skipSpaces(b, n, t + TFLOPS_TEXT.length);
                    int e = Scan.numberEnd(b, n, v);
                    if (e >= 0) {
                        tflops = Numbers.parse(b, v, e);
                        from = e;
                        break;
                    }
                }
            }
            double mfu = Double.NaN;
            for (int t = Scan.indexOf(b, n, MFU_TEXT, from); t >= 0; t = Scan.indexOf(b, n, MFU_TEXT, t + 1)) {
                if (!Scan.isWord(b[t - 1])) {
                    int v = Scan.skipSpaces(b, n, t + MFU_TEXT.length);
                    int e = Scan.numberRunEnd(b, n, v); // "%" is no number byte: the number ends there
                    if (e < n && b[e] == '%' && Scan.isNumber(b, v, e)) {
                        mfu = Numbers.parse(b, v, e);
                        break;
                    }
                }
            }
            return observation(step, Numbers.parse(b, tps, tpsEnd), tflops, mfu, nanoTime);
        }
        return List.of();
    }

    /** The regular expression: the reference, and the path for lines the scanner does not take. */
    List<ThroughputObservation> parseWithRegex(String rawLine, long nanoTime) {
        String line = Numbers.stripAnsi(rawLine);
        Matcher m = STEP.matcher(line);
        if (!m.find()) {
            return List.of();
        }
        double tps = Numbers.parse(m.group(2)).orElse(Double.NaN);
        if (Double.isNaN(tps) || tps < 0) {
            return List.of(); // before the step is read, as it always was
        }
        return observation(Long.parseLong(m.group(1)), tps, Numbers.parse(m.group(3)).orElse(Double.NaN),
                Numbers.parse(m.group(4)).orElse(Double.NaN), nanoTime);
    }

    /** The reading of a step line; NaN for a number that is absent or not one. */
    private static List<ThroughputObservation> observation(long step, double tps, double tflops, double mfu,
                                                           long nanoTime) {
        if (Double.isNaN(tps) || tps < 0) {
            return List.of();
        }
        ThroughputObservation o = ThroughputObservation.of(nanoTime, WorkloadPhase.TRAINING, TokenReading.RATE,
                tps, ThroughputScope.GPU).withStep(step);
        if (!Double.isNaN(tflops)) {
            o = o.withSelfReportedTflopsPerGpu(tflops);
        }
        if (!Double.isNaN(mfu)) {
            o = o.withSelfReportedMfu(mfu / 100.0);
        }
        return List.of(o);
    }
}
