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

    @Override
    public List<ThroughputObservation> parse(String line, long nanoTime) {
        Matcher h = HEADER.matcher(line);
        if (h.find()) {
            Numbers.parse(h.group(1)).ifPresent(v -> tokensPerIter = OptionalLong.of((long) v));
            return List.of();
        }
        Matcher m = ITER.matcher(line);
        if (!m.find()) {
            return List.of();
        }
        long step = Long.parseLong(m.group(1));
        double ms = Numbers.parse(m.group(2)).orElse(Double.NaN);
        double mfuPercent = Numbers.parse(m.group(3)).orElse(Double.NaN);
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
