package io.flopwatch.workload;

import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * DeepSpeed, two of its lines:
 * <ul>
 *   <li>{@code ThroughputTimer.stop} in {@code deepspeed/utils/timer.py} (2023–2025 sources),
 *       every {@code steps_per_print} steps:
 *       <pre>epoch={}/micro_step={}/global_step={}, RunningAvgSamplesPerSec={}, CurrSamplesPerSec={}, MemAllocated={}GB, MaxMemAllocated={}GB</pre>
 *       Current engines ({@code deepspeed/runtime/engine.py}) build the timer with
 *       {@code batch_size=train_batch_size()}, the global batch, so samples/s are the whole job's
 *       ({@link ThroughputScope#JOB}). Older releases built it with
 *       {@code train_micro_batch_size_per_gpu()} and printed the same line: for those the reading
 *       is per GPU and per micro-batch, and the scope must be overridden (or a custom pattern used). Tokens/s =
 *       {@code CurrSamplesPerSec} × {@link ParserSettings#sequenceLength()} (the current step's
 *       rate; flopwatch does its own smoothing); the step is {@code global_step}.</li>
 *   <li>The FLOPs profiler summary ({@code deepspeed/profiling/flops_profiler/profiler.py},
 *       {@code print_model_profile}):
 *       <pre>fwd+bwd FLOPS per GPU = 3 * fwd flops per GPU / (fwd+bwd latency):   102.0 TFLOPS</pre>
 *       kept as the workload's self-reported TFLOP/s per GPU (units G, T or P FLOPS).</li>
 * </ul>
 */
final class DeepSpeedParser implements LineParser {
    private static final Pattern TIMER = Pattern.compile(
            "global_step=(\\d+), RunningAvgSamplesPerSec=(" + Numbers.NUMBER + "), CurrSamplesPerSec=("
                    + Numbers.NUMBER + ")");
    private static final Pattern PROFILER = Pattern.compile(
            "fwd\\+bwd FLOPS per GPU = .*?:\\s*(" + Numbers.NUMBER + ")\\s*([KMGTP]?)FLOPS");

    private final OptionalLong sequenceLength;

    DeepSpeedParser(ParserSettings settings) {
        this.sequenceLength = settings.sequenceLength();
    }

    @Override
    public List<ThroughputObservation> parse(String line, long nanoTime) {
        Matcher t = TIMER.matcher(line);
        if (t.find()) {
            OptionalDouble samplesPerSecond = Numbers.parse(t.group(3));
            if (sequenceLength.isEmpty() || samplesPerSecond.isEmpty() || samplesPerSecond.getAsDouble() < 0) {
                return List.of();
            }
            return List.of(ThroughputObservation.of(nanoTime, WorkloadPhase.TRAINING, TokenReading.RATE,
                    samplesPerSecond.getAsDouble() * sequenceLength.getAsLong(), ThroughputScope.JOB)
                    .withStep(Long.parseLong(t.group(1))));
        }
        Matcher p = PROFILER.matcher(line);
        if (p.find()) {
            OptionalDouble v = Numbers.parse(p.group(1));
            if (v.isEmpty() || v.getAsDouble() < 0) {
                return List.of();
            }
            double flops = v.getAsDouble() * switch (p.group(2)) {
                case "K" -> 1e3;
                case "M" -> 1e6;
                case "G" -> 1e9;
                case "T" -> 1e12;
                case "P" -> 1e15;
                default -> 1;
            };
            return List.of(Parsers.noTokens(nanoTime, WorkloadPhase.TRAINING, ThroughputScope.GPU)
                    .withSelfReportedTflopsPerGpu(flops / 1e12));
        }
        return List.of();
    }
}
