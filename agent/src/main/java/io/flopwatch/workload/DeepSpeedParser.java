package io.flopwatch.workload;

import java.util.List;
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

    private static final byte[] STEP_TEXT = Scan.ascii("global_step=");
    private static final byte[] RUNNING_TEXT = Scan.ascii(", RunningAvgSamplesPerSec=");
    private static final byte[] CURRENT_TEXT = Scan.ascii(" CurrSamplesPerSec=");
    private static final byte[] PROFILER_TEXT = Scan.ascii("fwd+bwd FLOPS per GPU = ");
    private static final byte[] FLOPS_TEXT = Scan.ascii("FLOPS");

    /**
     * A hand scanner of {@link #TIMER} and {@link #PROFILER} on plain lines ({@link Scan}), held to
     * the regular expressions by {@code ScannerEquivalenceTest}; other lines go to
     * {@link #parseWithRegex}.
     */
    @Override
    public List<ThroughputObservation> parse(String line, long nanoTime) {
        if (line.indexOf("global_step=") < 0 && line.indexOf("fwd+bwd FLOPS per GPU = ") < 0) {
            return List.of();
        }
        byte[] b = Scan.plainBytes(line);
        if (b == null) {
            return parseWithRegex(line, nanoTime);
        }
        int n = b.length;
        for (int s = Scan.indexOf(b, n, STEP_TEXT, 0); s >= 0; s = Scan.indexOf(b, n, STEP_TEXT, s + 1)) {
            int stepStart = s + STEP_TEXT.length;
            int stepEnd = Scan.digitsEnd(b, n, stepStart);
            if (stepEnd == stepStart || !Scan.startsWith(b, n, stepEnd, RUNNING_TEXT)) {
                continue;
            }
            // ", CurrSamplesPerSec=" starts with ',' (a number byte) then ' ' (not one): the running
            // average ends one byte before its run of number bytes does.
            int running = stepEnd + RUNNING_TEXT.length;
            int run = Scan.numberRunEnd(b, n, running);
            if (run - 1 <= running || b[run - 1] != ',' || !Scan.startsWith(b, n, run, CURRENT_TEXT)
                    || !Scan.isNumber(b, running, run - 1)) {
                continue;
            }
            int current = run + CURRENT_TEXT.length;
            int currentEnd = Scan.numberEnd(b, n, current);
            if (currentEnd < 0) {
                continue;
            }
            double samplesPerSecond = Numbers.parse(b, current, currentEnd);
            if (sequenceLength.isEmpty() || Double.isNaN(samplesPerSecond) || samplesPerSecond < 0) {
                return List.of();
            }
            long step = Scan.digits(b, stepStart, stepEnd);
            return step < 0 ? parseWithRegex(line, nanoTime) : timer(samplesPerSecond, step, nanoTime);
        }
        for (int s = Scan.indexOf(b, n, PROFILER_TEXT, 0); s >= 0; s = Scan.indexOf(b, n, PROFILER_TEXT, s + 1)) {
            // ".*?:": the first ':' after which the rest matches.
            for (int c = Scan.indexOf(b, (byte) ':', s + PROFILER_TEXT.length, n); c >= 0;
                 c = Scan.indexOf(b, (byte) ':', c + 1, n)) {
                int v = Scan.skipSpaces(b, n, c + 1);
                int e = Scan.numberRunEnd(b, n, v); // a space, a unit or "FLOPS" follows: no number byte
                if (!Scan.isNumber(b, v, e)) {
                    continue;
                }
                int u = Scan.skipSpaces(b, n, e);
                char unit;
                if (u < n && "KMGTP".indexOf(b[u]) >= 0 && Scan.startsWith(b, n, u + 1, FLOPS_TEXT)) {
                    unit = (char) b[u];
                } else if (Scan.startsWith(b, n, u, FLOPS_TEXT)) {
                    unit = ' ';
                } else {
                    continue;
                }
                return profiler(Numbers.parse(b, v, e), unit, nanoTime);
            }
        }
        return List.of();
    }

    /** The regular expressions: the reference, and the path for lines the scanner does not take. */
    List<ThroughputObservation> parseWithRegex(String line, long nanoTime) {
        Matcher t = TIMER.matcher(line);
        if (t.find()) {
            double samplesPerSecond = Numbers.parse(t.group(3)).orElse(Double.NaN);
            if (sequenceLength.isEmpty() || Double.isNaN(samplesPerSecond) || samplesPerSecond < 0) {
                return List.of();
            }
            return timer(samplesPerSecond, Long.parseLong(t.group(1)), nanoTime);
        }
        Matcher p = PROFILER.matcher(line);
        if (p.find()) {
            return profiler(Numbers.parse(p.group(1)).orElse(Double.NaN), p.group(2).isEmpty() ? ' ' : p.group(2).charAt(0),
                    nanoTime);
        }
        return List.of();
    }

    private List<ThroughputObservation> timer(double samplesPerSecond, long step, long nanoTime) {
        return List.of(ThroughputObservation.of(nanoTime, WorkloadPhase.TRAINING, TokenReading.RATE,
                samplesPerSecond * sequenceLength.getAsLong(), ThroughputScope.JOB).withStep(step));
    }

    /** The profiler's figure with its unit prefix (' ' for none). */
    private static List<ThroughputObservation> profiler(double value, char unit, long nanoTime) {
        if (Double.isNaN(value) || value < 0) {
            return List.of();
        }
        double flops = value * switch (unit) {
            case 'K' -> 1e3;
            case 'M' -> 1e6;
            case 'G' -> 1e9;
            case 'T' -> 1e12;
            case 'P' -> 1e15;
            default -> 1;
        };
        return List.of(Parsers.noTokens(nanoTime, WorkloadPhase.TRAINING, ThroughputScope.GPU)
                .withSelfReportedTflopsPerGpu(flops / 1e12));
    }
}
