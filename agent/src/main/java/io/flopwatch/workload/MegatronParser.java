package io.flopwatch.workload;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Megatron-LM's iteration line, from {@code training_log} in {@code megatron/training/training.py}
 * (NVIDIA/Megatron-LM, 2024–2025 sources; the timestamp prefix and the throughput field as read in
 * the stored copies of that function):
 *
 * <pre>
 *   " [%Y-%m-%d %H:%M:%S] iteration {:8d}/{:8d} | consumed samples: {:12d} |
 *    elapsed time per iteration (ms): {:.1f} | throughput per GPU (TFLOP/s/GPU): {:.1f} |
 *    learning rate: {:.6E} | global batch size: {:5d} | lm loss: {:.6E} | ..."
 * </pre>
 *
 * (one line; the throughput field only with {@code --log-throughput}). Megatron prints no token
 * count, but every field needed for one: the whole job processes {@code global batch size ×
 * sequence length} tokens per iteration, so tokens/s = global batch size × {@link
 * ParserSettings#sequenceLength()} ÷ elapsed time per iteration, in {@link ThroughputScope#JOB}
 * scope. Without a configured sequence length only the self-reported TFLOP/s per GPU is kept.
 */
final class MegatronParser implements LineParser {
    private static final Pattern ITERATION = Pattern.compile("\\biteration\\s+(\\d+)/\\s*\\d+\\s*\\|(.*)$");

    private final OptionalLong sequenceLength;

    MegatronParser(ParserSettings settings) {
        this.sequenceLength = settings.sequenceLength();
    }

    @Override
    public List<ThroughputObservation> parse(String line, long nanoTime) {
        Matcher m = ITERATION.matcher(line);
        if (!m.find()) {
            return List.of();
        }
        // "key: value | key: value | …": split by hand (a lazy regex over every field was the
        // slowest part of this parser); a key ends at its first ':', as Megatron prints them.
        Map<String, String> fields = new HashMap<>();
        for (String part : m.group(2).split("\\|")) {
            int colon = part.indexOf(':');
            if (colon > 0) {
                String key = part.substring(0, colon).trim();
                if (!key.isEmpty()) {
                    fields.put(key, part.substring(colon + 1).trim());
                }
            }
        }
        OptionalDouble elapsedMs = Numbers.parse(fields.get("elapsed time per iteration (ms)"));
        OptionalDouble globalBatch = Numbers.parse(fields.get("global batch size"));
        ThroughputObservation o;
        if (sequenceLength.isPresent() && elapsedMs.isPresent() && elapsedMs.getAsDouble() > 0
                && globalBatch.isPresent() && globalBatch.getAsDouble() >= 0) {
            double tokensPerIteration = globalBatch.getAsDouble() * sequenceLength.getAsLong();
            o = ThroughputObservation.of(nanoTime, WorkloadPhase.TRAINING, TokenReading.RATE,
                    tokensPerIteration / (elapsedMs.getAsDouble() / 1000.0), ThroughputScope.JOB);
        } else {
            o = Parsers.noTokens(nanoTime, WorkloadPhase.TRAINING, ThroughputScope.JOB);
        }
        o = o.withStep(Long.parseLong(m.group(1)));
        OptionalDouble tflops = Numbers.parse(fields.get("throughput per GPU (TFLOP/s/GPU)"));
        if (tflops.isPresent()) {
            o = o.withSelfReportedTflopsPerGpu(tflops.getAsDouble());
        }
        return Parsers.informative(o) ? List.of(o) : List.of();
    }
}
