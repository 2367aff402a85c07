package io.flopwatch.workload;

import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * nanoGPT's training loop, from {@code train.py} of karpathy/nanoGPT (master branch, the format
 * unchanged since 2023; the stored copy read was at commit 005475c4):
 *
 * <pre>
 *   print(f"tokens per iteration will be: {tokens_per_iter:,}")
 *   print(f"iter {iter_num}: loss {lossf:.4f}, time {dt*1000:.2f}ms, mfu {running_mfu*100:.2f}%")
 * </pre>
 *
 * {@code tokens_per_iter = gradient_accumulation_steps × ddp_world_size × batch_size × block_size}
 * is the whole job's tokens per iteration, and {@code dt} the wall time of the logged iteration,
 * so tokens/s = tokens_per_iter ÷ dt in {@link ThroughputScope#JOB} scope. The header line is
 * printed once at start; when the tailer starts at the end of the file it is missed, and
 * {@link ParserSettings#tokensPerStep()} must give the number instead (a header seen later wins).
 *
 * <p>The {@code mfu} is per GPU, from {@code GPT.estimate_mfu}, which divides by a hard-coded A100
 * bf16 peak of 312 TFLOPS whatever the GPU; it is kept as the workload's self-reported value. During
 * the first five iterations {@code running_mfu} is −1 and prints as {@code -100.00%}: that is "not
 * yet known", not a value.
 */
final class NanoGptParser implements LineParser {
    private static final Pattern HEADER = Pattern.compile("tokens per iteration will be: ([\\d,]+)");
    private static final Pattern ITER = Pattern.compile(
            "\\biter (\\d+): loss " + Numbers.NUMBER + ", time (" + Numbers.NUMBER + ")ms, mfu (" + Numbers.NUMBER + ")%");

    private OptionalLong tokensPerIter;

    NanoGptParser(ParserSettings settings) {
        this.tokensPerIter = settings.tokensPerStep();
    }

    private static final byte[] HEADER_TEXT = Scan.ascii("tokens per iteration will be: ");
    private static final byte[] ITER_TEXT = Scan.ascii("iter ");
    private static final byte[] LOSS_TEXT = Scan.ascii(": loss ");
    private static final byte[] TIME_TEXT = Scan.ascii(" time ");
    private static final byte[] MFU_TEXT = Scan.ascii("ms, mfu ");

    /**
     * A hand scanner of {@link #ITER} on plain lines ({@link Scan}), held to the regular expression
     * by {@code ScannerEquivalenceTest}; the header line and every other line go to
     * {@link #parseWithRegex}.
     */
    @Override
    public List<ThroughputObservation> parse(String line, long nanoTime) {
        if (line.indexOf("iter") < 0) {
            return List.of(); // both expressions need it (the header says "iteration")
        }
        byte[] b = Scan.plainBytes(line);
        if (b == null || Scan.indexOf(b, b.length, HEADER_TEXT, 0) >= 0) {
            return parseWithRegex(line, nanoTime);
        }
        int n = b.length;
        // find(): the leftmost "iter " at a word boundary from which the whole expression matches.
        for (int s = Scan.indexOf(b, n, ITER_TEXT, 0); s >= 0; s = Scan.indexOf(b, n, ITER_TEXT, s + 1)) {
            if (s > 0 && Scan.isWord(b[s - 1])) {
                continue;
            }
            int stepEnd = Scan.digitsEnd(b, n, s + 5);
            if (stepEnd == s + 5 || !Scan.startsWith(b, n, stepEnd, LOSS_TEXT)) {
                continue;
            }
            // "loss NUMBER, time ": ", time " starts with ',' (a number byte) then ' ' (not one),
            // so the number ends one byte before its run of number bytes does.
            int loss = stepEnd + LOSS_TEXT.length;
            int run = Scan.numberRunEnd(b, n, loss);
            if (run - 1 <= loss || b[run - 1] != ',' || !Scan.startsWith(b, n, run, TIME_TEXT)
                    || !Scan.isNumber(b, loss, run - 1)) {
                continue;
            }
            int time = run + TIME_TEXT.length;
            int timeEnd = Scan.numberRunEnd(b, n, time);
            if (!Scan.startsWith(b, n, timeEnd, MFU_TEXT) || !Scan.isNumber(b, time, timeEnd)) {
                continue;
            }
            int mfu = timeEnd + MFU_TEXT.length;
            int mfuEnd = Scan.numberRunEnd(b, n, mfu);
            if (mfuEnd >= n || b[mfuEnd] != '%' || !Scan.isNumber(b, mfu, mfuEnd)) {
                continue;
            }
            long step = Scan.digits(b, s + 5, stepEnd);
            if (step < 0) {
                return parseWithRegex(line, nanoTime);
            }
            return observation(step, Numbers.parse(b, time, timeEnd), Numbers.parse(b, mfu, mfuEnd), nanoTime);
        }
        return List.of();
    }

    /** The regular expressions: the reference, and the path for lines the scanner does not take. */
    List<ThroughputObservation> parseWithRegex(String line, long nanoTime) {
        Matcher h = HEADER.matcher(line);
        if (h.find()) {
            Numbers.parse(h.group(1)).ifPresent(v -> tokensPerIter = OptionalLong.of((long) v));
            return List.of();
        }
        Matcher m = ITER.matcher(line);
        if (!m.find()) {
            return List.of();
        }
        return observation(Long.parseLong(m.group(1)), Numbers.parse(m.group(2)).orElse(Double.NaN),
                Numbers.parse(m.group(3)).orElse(Double.NaN), nanoTime);
    }

    /** The reading of an iteration line; NaN for a number that is not one. */
    private List<ThroughputObservation> observation(long step, double ms, double mfuPercent, long nanoTime) {
        ThroughputObservation o;
        if (tokensPerIter.isPresent() && ms > 0) {
            o = ThroughputObservation.of(nanoTime, WorkloadPhase.TRAINING, TokenReading.RATE,
                    tokensPerIter.getAsLong() / (ms / 1000.0), ThroughputScope.JOB);
        } else {
            o = Parsers.noTokens(nanoTime, WorkloadPhase.TRAINING, ThroughputScope.JOB);
        }
        o = o.withStep(step);
        if (mfuPercent >= 0) {
            o = o.withSelfReportedMfu(mfuPercent / 100.0);
        }
        return List.of(o);
    }
}
