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

    @Override
    public List<ThroughputObservation> parse(String line, long nanoTime) {
        if (line.indexOf('{') < 0) {
            return List.of();
        }
        Map<String, Double> kv = KeyValues.parse(line);
        ThroughputObservation o;
        if (kv.containsKey("num_input_tokens_seen")) {
            o = ThroughputObservation.of(nanoTime, WorkloadPhase.TRAINING, TokenReading.CUMULATIVE,
                    kv.get("num_input_tokens_seen"), ThroughputScope.JOB);
        } else if (kv.containsKey("train_tokens_per_second")) {
            o = ThroughputObservation.of(nanoTime, WorkloadPhase.TRAINING, TokenReading.RATE,
                    kv.get("train_tokens_per_second"), ThroughputScope.GPU);
        } else if (kv.containsKey("train_samples_per_second") && sequenceLength.isPresent()) {
            o = ThroughputObservation.of(nanoTime, WorkloadPhase.TRAINING, TokenReading.RATE,
                    kv.get("train_samples_per_second") * sequenceLength.getAsLong(), ThroughputScope.JOB);
        } else {
            return List.of();
        }
        if (o.tokens() < 0) {
            return List.of();
        }
        Double step = kv.get("step");
        return List.of(step != null ? o.withStep(step.longValue()) : o);
    }
}
