package io.flopwatch.workload;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Hugging Face Transformers {@code Trainer}: the log dicts its {@code ProgressCallback.on_log}
 * prints with {@code str(logs)} ({@code {'loss': 2.31, 'grad_norm': 1.2, 'learning_rate': 4e-05,
 * 'epoch': 0.5}}), and the summary dict {@code speed_metrics()} in {@code trainer_utils.py}
 * adds at the end ({@code train_runtime}, {@code train_samples_per_second},
 * {@code train_steps_per_second}, and {@code train_tokens_per_second} with
 * {@code include_tokens_per_second=True}); transformers 4.x sources of 2024–2025. JSON lines of the same keys
 * (the {@code trainer_state.json} log history) parse the same way. Keys used, best first:
 * <ul>
 *   <li>{@code num_input_tokens_seen} (with {@code include_num_input_tokens_seen=True}): tokens
 *       gathered across all processes since the start, {@link TokenReading#CUMULATIVE} in
 *       {@link ThroughputScope#JOB} scope; the only per-log-step token count the Trainer prints.</li>
 *   <li>{@code train_tokens_per_second}: documented for {@code include_tokens_per_second} as
 *       "tokens per second per device", so {@link ThroughputScope#GPU}.</li>
 *   <li>{@code train_samples_per_second}: all processes' samples over the run's runtime
 *       ({@link ThroughputScope#JOB}), times {@link ParserSettings#sequenceLength()}.</li>
 * </ul>
 * The summary keys are averages over the whole run, printed once at its end: useful for a
 * report, not for a live rate. {@code eval_*} keys (evaluation, not training) are ignored.
 */
final class HfTrainerParser implements LineParser {
    private final OptionalLong sequenceLength;

    HfTrainerParser(ParserSettings settings) {
        this.sequenceLength = settings.sequenceLength();
    }

    private static final byte[][] KEYS = {
        Scan.ascii("num_input_tokens_seen"), Scan.ascii("train_tokens_per_second"),
        Scan.ascii("train_samples_per_second"), Scan.ascii("step"),
    };
    private final double[] values = new double[KEYS.length];

    /**
     * On plain lines ({@link Scan}) the metric dict's keys are read from bytes, only the four used;
     * other lines go through {@link KeyValues#parse}. {@code ScannerEquivalenceTest} holds the two
     * paths to each other.
     */
    @Override
    public List<ThroughputObservation> parse(String line, long nanoTime) {
        if (line.indexOf('{') < 0) {
            return List.of();
        }
        byte[] b = Scan.plainBytes(line);
        if (b == null) {
            return parseWithMap(line, nanoTime);
        }
        KeyValues.scan(b, b.length, KEYS, values);
        return observation(values[0], values[1], values[2], values[3], nanoTime);
    }

    /** The general path through {@link KeyValues#parse}: the reference, and the path for other lines. */
    List<ThroughputObservation> parseWithMap(String line, long nanoTime) {
        if (line.indexOf('{') < 0) {
            return List.of();
        }
        Map<String, Double> kv = KeyValues.parse(line);
        return observation(kv.getOrDefault("num_input_tokens_seen", Double.NaN),
                kv.getOrDefault("train_tokens_per_second", Double.NaN),
                kv.getOrDefault("train_samples_per_second", Double.NaN), kv.getOrDefault("step", Double.NaN), nanoTime);
    }

    /** The reading from the keys' values (NaN: absent; KeyValues maps finite numbers only). */
    private List<ThroughputObservation> observation(double tokensSeen, double tokensPerSecond, double samplesPerSecond,
                                                    double step, long nanoTime) {
        ThroughputObservation o;
        if (!Double.isNaN(tokensSeen)) {
            o = ThroughputObservation.of(nanoTime, WorkloadPhase.TRAINING, TokenReading.CUMULATIVE,
                    tokensSeen, ThroughputScope.JOB);
        } else if (!Double.isNaN(tokensPerSecond)) {
            o = ThroughputObservation.of(nanoTime, WorkloadPhase.TRAINING, TokenReading.RATE,
                    tokensPerSecond, ThroughputScope.GPU);
        } else if (!Double.isNaN(samplesPerSecond) && sequenceLength.isPresent()) {
            o = ThroughputObservation.of(nanoTime, WorkloadPhase.TRAINING, TokenReading.RATE,
                    samplesPerSecond * sequenceLength.getAsLong(), ThroughputScope.JOB);
        } else {
            return List.of();
        }
        if (o.tokens() < 0) {
            return List.of();
        }
        return List.of(!Double.isNaN(step) ? o.withStep((long) step) : o);
    }
}
