package io.flopwatch.workload;

import java.util.List;
import java.util.OptionalDouble;
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

    @Override
    public List<ThroughputObservation> parse(String rawLine, long nanoTime) {
        String line = Numbers.stripAnsi(rawLine);
        Matcher m = STEP.matcher(line);
        if (!m.find()) {
            return List.of();
        }
        OptionalDouble tps = Numbers.parse(m.group(2));
        if (tps.isEmpty() || tps.getAsDouble() < 0) {
            return List.of();
        }
        ThroughputObservation o = ThroughputObservation.of(nanoTime, WorkloadPhase.TRAINING, TokenReading.RATE,
                tps.getAsDouble(), ThroughputScope.GPU).withStep(Long.parseLong(m.group(1)));
        OptionalDouble tflops = Numbers.parse(m.group(3));
        if (tflops.isPresent()) {
            o = o.withSelfReportedTflopsPerGpu(tflops.getAsDouble());
        }
        OptionalDouble mfu = Numbers.parse(m.group(4));
        if (mfu.isPresent()) {
            o = o.withSelfReportedMfu(mfu.getAsDouble() / 100.0);
        }
        return List.of(o);
    }
}
