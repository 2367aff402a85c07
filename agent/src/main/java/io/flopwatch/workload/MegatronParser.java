package io.flopwatch.workload;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

    private static final byte[] ITERATION_TEXT = Scan.ascii("iteration");
    private static final byte[] ELAPSED_KEY = Scan.ascii("elapsed time per iteration (ms)");
    private static final byte[] BATCH_KEY = Scan.ascii("global batch size");
    private static final byte[] TFLOPS_KEY = Scan.ascii("throughput per GPU (TFLOP/s/GPU)");

    /**
     * A hand scanner of {@link #ITERATION} and of the fields on plain lines ({@link Scan}), held to
     * the regular expression by {@code ScannerEquivalenceTest}; other lines go to
     * {@link #parseWithRegex}.
     */
    @Override
    public List<ThroughputObservation> parse(String line, long nanoTime) {
        if (line.indexOf("iteration") < 0) {
            return List.of();
        }
        byte[] b = Scan.plainBytes(line);
        if (b == null) {
            return parseWithRegex(line, nanoTime);
        }
        int n = b.length;
        for (int s = Scan.indexOf(b, n, ITERATION_TEXT, 0); s >= 0; s = Scan.indexOf(b, n, ITERATION_TEXT, s + 1)) {
            if (s > 0 && Scan.isWord(b[s - 1])) {
                continue;
            }
            int stepStart = Scan.skipSpaces(b, n, s + ITERATION_TEXT.length);
            int stepEnd = Scan.digitsEnd(b, n, stepStart);
            if (stepStart == s + ITERATION_TEXT.length || stepEnd == stepStart || stepEnd >= n || b[stepEnd] != '/') {
                continue;
            }
            int total = Scan.skipSpaces(b, n, stepEnd + 1);
            int totalEnd = Scan.digitsEnd(b, n, total);
            int bar = Scan.skipSpaces(b, n, totalEnd);
            if (totalEnd == total || bar >= n || b[bar] != '|') {
                continue;
            }
            long step = Scan.digits(b, stepStart, stepEnd);
            if (step < 0) {
                return parseWithRegex(line, nanoTime);
            }
            // "(.*)$" is the rest of a plain line; its "key: value |" fields, the last of a key winning
            // as in the map of parseWithRegex.
            int elapsedFrom = -1;
            int elapsedTo = -1;
            int batchFrom = -1;
            int batchTo = -1;
            int tflopsFrom = -1;
            int tflopsTo = -1;
            int part = bar + 1;
            while (part < n) {
                int partEnd = Scan.indexOf(b, (byte) '|', part, n);
                if (partEnd < 0) {
                    partEnd = n;
                }
                int colon = Scan.indexOf(b, (byte) ':', part, partEnd);
                if (colon > part) {
                    int keyFrom = Scan.trimStart(b, part, colon);
                    int keyTo = Scan.trimEnd(b, keyFrom, colon);
                    int valueFrom = Scan.trimStart(b, colon + 1, partEnd);
                    int valueTo = Scan.trimEnd(b, valueFrom, partEnd);
                    if (Scan.equals(b, keyFrom, keyTo, ELAPSED_KEY)) {
                        elapsedFrom = valueFrom;
                        elapsedTo = valueTo;
                    } else if (Scan.equals(b, keyFrom, keyTo, BATCH_KEY)) {
                        batchFrom = valueFrom;
                        batchTo = valueTo;
                    } else if (Scan.equals(b, keyFrom, keyTo, TFLOPS_KEY)) {
                        tflopsFrom = valueFrom;
                        tflopsTo = valueTo;
                    }
                }
                part = partEnd + 1;
            }
            ThroughputObservation o = tokens(number(b, elapsedFrom, elapsedTo), number(b, batchFrom, batchTo), nanoTime);
            return finish(o.withStep(step), number(b, tflopsFrom, tflopsTo));
        }
        return List.of();
    }

    private static double number(byte[] b, int from, int to) {
        return from < 0 ? Double.NaN : Numbers.parse(b, from, to);
    }

    /** The regular expression: the reference, and the path for lines the scanner does not take. */
    List<ThroughputObservation> parseWithRegex(String line, long nanoTime) {
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
        ThroughputObservation o = tokens(Numbers.parse(fields.get("elapsed time per iteration (ms)")).orElse(Double.NaN),
                Numbers.parse(fields.get("global batch size")).orElse(Double.NaN), nanoTime);
        return finish(o.withStep(Long.parseLong(m.group(1))),
                Numbers.parse(fields.get("throughput per GPU (TFLOP/s/GPU)")).orElse(Double.NaN));
    }

    /** Tokens per second from the iteration time and the global batch (NaN: absent). */
    private ThroughputObservation tokens(double elapsedMs, double globalBatch, long nanoTime) {
        if (sequenceLength.isPresent() && elapsedMs > 0 && globalBatch >= 0) {
            double tokensPerIteration = globalBatch * sequenceLength.getAsLong();
            return ThroughputObservation.of(nanoTime, WorkloadPhase.TRAINING, TokenReading.RATE,
                    tokensPerIteration / (elapsedMs / 1000.0), ThroughputScope.JOB);
        }
        return Parsers.noTokens(nanoTime, WorkloadPhase.TRAINING, ThroughputScope.JOB);
    }

    private static List<ThroughputObservation> finish(ThroughputObservation o, double tflops) {
        if (!Double.isNaN(tflops)) {
            o = o.withSelfReportedTflopsPerGpu(tflops);
        }
        return Parsers.informative(o) ? List.of(o) : List.of();
    }
}
