package io.flopwatch.workload;

import static io.flopwatch.workload.ThroughputScope.GPU;
import static io.flopwatch.workload.ThroughputScope.JOB;
import static io.flopwatch.workload.TokenReading.CUMULATIVE;
import static io.flopwatch.workload.TokenReading.DELTA;
import static io.flopwatch.workload.TokenReading.RATE;
import static io.flopwatch.workload.WorkloadPhase.DECODE;
import static io.flopwatch.workload.WorkloadPhase.PREFILL;
import static io.flopwatch.workload.WorkloadPhase.TRAINING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One row per fixture line of each preset. The fixture lines under src/test/resources/logs/ were
 * written by hand to the format strings quoted in each parser's Javadoc; each expected value is
 * worked out from the line and the format's meaning, as the row's comment shows.
 */
class LogFormatTest {

    /** Expected observation; NaN / -1 mean "absent". */
    record Exp(WorkloadPhase phase, TokenReading reading, double tokens, ThroughputScope scope, long step,
               double mfu, double tflops) {
    }

    static Exp exp(WorkloadPhase phase, TokenReading reading, double tokens, ThroughputScope scope) {
        return new Exp(phase, reading, tokens, scope, -1, Double.NaN, Double.NaN);
    }

    static Exp train(TokenReading reading, double tokens, ThroughputScope scope, long step, double mfu, double tflops) {
        return new Exp(TRAINING, reading, tokens, scope, step, mfu, tflops);
    }

    static final ParserSettings NONE = ParserSettings.NONE;
    static final double ABSENT = Double.NaN;

    static Stream<Arguments> rows() {
        return Stream.of(
                // nanoGPT: header "tokens per iteration will be: 491,520" read on line 1, kept for later lines
                Arguments.of(LogFormat.NANOGPT, NONE, "nanogpt.log", 1, List.of()),
                Arguments.of(LogFormat.NANOGPT, NONE, "nanogpt.log", 3, List.of()), // eval line, not "iter"
                // time 45123.45ms: 491520 / 45.12345 s; mfu -100.00% is running_mfu = -1, "not yet known"
                Arguments.of(LogFormat.NANOGPT, NONE, "nanogpt.log", 4,
                        List.of(train(RATE, 491520 / 45.12345, JOB, 0, ABSENT, ABSENT))),
                // 491520 tokens / 1.280 s = 384000 tok/s; mfu 38.52 %
                Arguments.of(LogFormat.NANOGPT, NONE, "nanogpt.log", 5,
                        List.of(train(RATE, 384_000, JOB, 10, 0.3852, ABSENT))),
                // 491520 / 1.2288 s = 400000 tok/s
                Arguments.of(LogFormat.NANOGPT, NONE, "nanogpt.log", 6,
                        List.of(train(RATE, 400_000, JOB, 20, 0.4011, ABSENT))),

                // torchtitan: tps is per device ("tokens per second per device"), tflops/mfu per device
                Arguments.of(LogFormat.TORCHTITAN, NONE, "torchtitan.log", 1,
                        List.of(train(RATE, 1205, GPU, 1, 0.0706, 69.81))),
                Arguments.of(LogFormat.TORCHTITAN, NONE, "torchtitan.log", 2,
                        List.of(train(RATE, 7041, GPU, 10, 0.4123, 407.79))),
                Arguments.of(LogFormat.TORCHTITAN, NONE, "torchtitan.log", 3, List.of()), // validation
                // an older release: no grad_norm, no tflops
                Arguments.of(LogFormat.TORCHTITAN, NONE, "torchtitan.log", 4,
                        List.of(train(RATE, 6500, GPU, 20, 0.381, ABSENT))),

                // Megatron-LM with sequence length 4096: 512 samples × 4096 tokens / 8.192 s = 256000 tok/s
                Arguments.of(LogFormat.MEGATRON_LM, ParserSettings.withSequenceLength(4096), "megatron-lm.log", 1,
                        List.of(train(RATE, 256_000, JOB, 100, ABSENT, 402.5))),
                // 512 × 4096 / 7.5 s; no --log-throughput field on this line
                Arguments.of(LogFormat.MEGATRON_LM, ParserSettings.withSequenceLength(4096), "megatron-lm.log", 2,
                        List.of(train(RATE, 512 * 4096 / 7.5, JOB, 101, ABSENT, ABSENT))),
                Arguments.of(LogFormat.MEGATRON_LM, ParserSettings.withSequenceLength(4096), "megatron-lm.log", 3,
                        List.of()),
                // without a sequence length only the self-reported TFLOP/s per GPU is known
                Arguments.of(LogFormat.MEGATRON_LM, NONE, "megatron-lm.log", 1,
                        List.of(train(null, ABSENT, JOB, 100, ABSENT, 402.5))),
                Arguments.of(LogFormat.MEGATRON_LM, NONE, "megatron-lm.log", 2, List.of()),

                // Hugging Face Trainer, sequence length 512
                Arguments.of(LogFormat.HF_TRAINER, ParserSettings.withSequenceLength(512), "hf-trainer.log", 1,
                        List.of(exp(TRAINING, CUMULATIVE, 8_388_608, JOB))),
                Arguments.of(LogFormat.HF_TRAINER, ParserSettings.withSequenceLength(512), "hf-trainer.log", 2,
                        List.of()),
                Arguments.of(LogFormat.HF_TRAINER, ParserSettings.withSequenceLength(512), "hf-trainer.log", 3,
                        List.of()), // eval_* keys are not training
                // 35.56 samples/s × 512 tokens
                Arguments.of(LogFormat.HF_TRAINER, ParserSettings.withSequenceLength(512), "hf-trainer.log", 4,
                        List.of(exp(TRAINING, RATE, 35.56 * 512, JOB))),
                // train_tokens_per_second is "per device" (include_tokens_per_second docs)
                Arguments.of(LogFormat.HF_TRAINER, ParserSettings.withSequenceLength(512), "hf-trainer.log", 5,
                        List.of(exp(TRAINING, RATE, 18206.72, GPU))),
                // JSON log-history form with a step
                Arguments.of(LogFormat.HF_TRAINER, NONE, "hf-trainer.log", 6,
                        List.of(train(CUMULATIVE, 16_777_216, JOB, 200, ABSENT, ABSENT))),

                // Lightning Throughput: items_per_sec is all devices; device/mfu a fraction; 7.25e14 FLOP/s = 725 TFLOP/s
                Arguments.of(LogFormat.LIGHTNING, ParserSettings.withSequenceLength(2048), "lightning.log", 1,
                        List.of(train(RATE, 1_087_897.6, JOB, 1000, 0.7325, 725))),
                // world size 1: only device/ keys; 64 samples/s × 2048 tokens
                Arguments.of(LogFormat.LIGHTNING, ParserSettings.withSequenceLength(2048), "lightning.log", 2,
                        List.of(train(RATE, 64.0 * 2048, GPU, -1, 0.3134, 310))),
                Arguments.of(LogFormat.LIGHTNING, NONE, "lightning.log", 2,
                        List.of(train(null, ABSENT, GPU, -1, 0.3134, 310))),
                Arguments.of(LogFormat.LIGHTNING, ParserSettings.withSequenceLength(2048), "lightning.log", 3,
                        List.of()),

                // DeepSpeed: CurrSamplesPerSec 256.0 of the global batch × 2048 tokens
                Arguments.of(LogFormat.DEEPSPEED, ParserSettings.withSequenceLength(2048), "deepspeed.log", 1,
                        List.of(train(RATE, 256.0 * 2048, JOB, 100, ABSENT, ABSENT))),
                Arguments.of(LogFormat.DEEPSPEED, NONE, "deepspeed.log", 1, List.of()),
                // FLOPs profiler: 102.0 TFLOPS per GPU; 772.89 GFLOPS = 0.77289 TFLOP/s
                Arguments.of(LogFormat.DEEPSPEED, NONE, "deepspeed.log", 2,
                        List.of(new Exp(TRAINING, null, ABSENT, GPU, -1, ABSENT, 102.0))),
                Arguments.of(LogFormat.DEEPSPEED, NONE, "deepspeed.log", 3,
                        List.of(new Exp(TRAINING, null, ABSENT, GPU, -1, ABSENT, 0.77289))),
                Arguments.of(LogFormat.DEEPSPEED, ParserSettings.withSequenceLength(2048), "deepspeed.log", 4,
                        List.of()),

                // vLLM V1 and V0 lines: prompt → prefill, generation → decode, whole engine
                Arguments.of(LogFormat.VLLM, NONE, "vllm.log", 1,
                        List.of(exp(PREFILL, RATE, 2048.5, JOB), exp(DECODE, RATE, 512.3, JOB))),
                Arguments.of(LogFormat.VLLM, NONE, "vllm.log", 2,
                        List.of(exp(PREFILL, RATE, 0.0, JOB), exp(DECODE, RATE, 1490.7, JOB))),
                Arguments.of(LogFormat.VLLM, NONE, "vllm.log", 3, List.of()),

                // SGLang: a prefill batch computed #new-token tokens; decode logs gen throughput
                Arguments.of(LogFormat.SGLANG, NONE, "sglang.log", 1, List.of(exp(PREFILL, DELTA, 4096, JOB))),
                Arguments.of(LogFormat.SGLANG, NONE, "sglang.log", 2, List.of(exp(DECODE, RATE, 1174.06, JOB))),
                Arguments.of(LogFormat.SGLANG, NONE, "sglang.log", 3, List.of(exp(DECODE, RATE, 656.23, JOB))),
                Arguments.of(LogFormat.SGLANG, NONE, "sglang.log", 4, List.of(exp(PREFILL, DELTA, 64, JOB))),
                Arguments.of(LogFormat.SGLANG, NONE, "sglang.log", 5, List.of()));
    }

    @ParameterizedTest(name = "{0} {2}:{3}")
    @MethodSource("rows")
    void presetLine(LogFormat format, ParserSettings settings, String fixture, int lineNumber, List<Exp> expected)
            throws IOException {
        List<String> lines = fixture(fixture);
        LineParser parser = format.newParser(settings);
        List<ThroughputObservation> got = List.of();
        for (int i = 0; i < lineNumber; i++) { // earlier lines first: parsers may keep state
            got = parser.parse(lines.get(i), 1_000L * i);
        }
        assertEquals(expected.size(), got.size(), () -> "observations in " + lines.get(lineNumber - 1));
        for (int i = 0; i < expected.size(); i++) {
            Exp e = expected.get(i);
            ThroughputObservation o = got.get(i);
            assertEquals(1_000L * (lineNumber - 1), o.nanoTime());
            assertEquals(e.phase(), o.phase());
            assertEquals(e.reading(), o.reading());
            if (e.reading() != null) {
                assertEquals(e.tokens(), o.tokens(), 1e-6 * Math.max(1, e.tokens()));
            }
            assertEquals(e.scope(), o.scope());
            assertEquals(e.step() < 0 ? OptionalLong.empty() : OptionalLong.of(e.step()), o.step());
            assertOptional(e.mfu(), o.selfReportedMfu());
            assertOptional(e.tflops(), o.selfReportedTflopsPerGpu());
        }
    }

    private static void assertOptional(double expected, java.util.OptionalDouble actual) {
        if (Double.isNaN(expected)) {
            assertTrue(actual.isEmpty(), "expected absent, got " + actual);
        } else {
            assertEquals(expected, actual.orElseThrow(), 1e-9 * Math.max(1, expected));
        }
    }

    static List<String> fixture(String name) throws IOException {
        try (InputStream in = LogFormatTest.class.getResourceAsStream("/logs/" + name)) {
            if (in == null) {
                throw new IOException("fixture missing: " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    @org.junit.jupiter.api.Test
    void nanoGptWithoutItsHeaderUsesConfiguredTokensPerStep() throws IOException {
        String iter10 = fixture("nanogpt.log").get(4);
        // 245760 tokens per iteration (configured) / 1.28 s
        List<ThroughputObservation> got = LogFormat.NANOGPT.newParser(ParserSettings.withTokensPerStep(245_760))
                .parse(iter10, 0);
        assertEquals(192_000, got.get(0).tokens(), 1e-9);
        // with neither header nor setting the line still carries nanoGPT's own MFU
        ThroughputObservation bare = LogFormat.NANOGPT.newParser(NONE).parse(iter10, 0).get(0);
        assertEquals(null, bare.reading());
        assertEquals(0.3852, bare.selfReportedMfu().getAsDouble(), 1e-12);
    }

    @org.junit.jupiter.api.Test
    void configNames() {
        assertEquals("megatron-lm", LogFormat.MEGATRON_LM.configName());
        assertEquals("hf-trainer", LogFormat.HF_TRAINER.configName());
    }
}
