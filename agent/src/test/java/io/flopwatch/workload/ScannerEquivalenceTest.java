package io.flopwatch.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The presets' hand scanners against the regular expressions they replace (docs/BENCHMARKS.md,
 * section 4). Each parser keeps its regular expression, with the log format's source in its
 * Javadoc, as {@code parseWithRegex} (or {@code parseWithMap} over {@link KeyValues#parse}): it is
 * the path for lines the scanner does not take and the reference here. Every line below goes
 * through both paths of two parsers of the same settings, in the same order (nanoGPT keeps the
 * tokens per iteration of its header), and must give equal readings, or the same exception:
 * every fixture line of every preset, hand-made near misses, and a fixed-seed set of mutations
 * of all of those (inserted fragments of the formats, numbers of every shape, colour escapes,
 * non-ASCII characters and line terminators, deletions and duplications).
 */
class ScannerEquivalenceTest {

    /** Both paths of one preset parser: the scanner ({@link LineParser#parse}) and the reference. */
    record Paths(String name, java.util.function.Supplier<Object> parser,
                 Function<Object, Function<String, List<ThroughputObservation>>> scanner,
                 Function<Object, Function<String, List<ThroughputObservation>>> reference) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final ParserSettings BOTH = new ParserSettings(OptionalLong.of(491_520), OptionalLong.of(4096));

    static Stream<Arguments> presets() {
        List<Paths> p = new ArrayList<>();
        for (ParserSettings s : List.of(ParserSettings.NONE, BOTH)) {
            String tag = s == BOTH ? " (settings)" : "";
            p.add(new Paths("nanogpt" + tag, () -> new NanoGptParser(s),
                    o -> l -> ((NanoGptParser) o).parse(l, 7), o -> l -> ((NanoGptParser) o).parseWithRegex(l, 7)));
            p.add(new Paths("megatron-lm" + tag, () -> new MegatronParser(s),
                    o -> l -> ((MegatronParser) o).parse(l, 7), o -> l -> ((MegatronParser) o).parseWithRegex(l, 7)));
            p.add(new Paths("hf-trainer" + tag, () -> new HfTrainerParser(s),
                    o -> l -> ((HfTrainerParser) o).parse(l, 7), o -> l -> ((HfTrainerParser) o).parseWithMap(l, 7)));
            p.add(new Paths("deepspeed" + tag, () -> new DeepSpeedParser(s),
                    o -> l -> ((DeepSpeedParser) o).parse(l, 7), o -> l -> ((DeepSpeedParser) o).parseWithRegex(l, 7)));
            p.add(new Paths("lightning" + tag, () -> new LightningParser(s),
                    o -> l -> ((LightningParser) o).parse(l, 7), o -> l -> ((LightningParser) o).parseWithMap(l, 7)));
        }
        p.add(new Paths("torchtitan", TorchtitanParser::new,
                o -> l -> ((TorchtitanParser) o).parse(l, 7), o -> l -> ((TorchtitanParser) o).parseWithRegex(l, 7)));
        p.add(new Paths("vllm", VllmLogParser::new,
                o -> l -> ((VllmLogParser) o).parse(l, 7), o -> l -> ((VllmLogParser) o).parseWithRegex(l, 7)));
        p.add(new Paths("sglang", SglangLogParser::new,
                o -> l -> ((SglangLogParser) o).parse(l, 7), o -> l -> ((SglangLogParser) o).parseWithRegex(l, 7)));
        return p.stream().map(Arguments::of);
    }

    /** Near misses written by hand, one or more per preset: the edges of each expression. */
    static final List<String> NEAR_MISSES = List.of(
            // nanoGPT: word boundary, spacing, number shapes, the commas of ", time"
            "xiter 10: loss 9.1, time 1280.00ms, mfu 38.52%",
            "_iter 10: loss 9.1, time 1280.00ms, mfu 38.52%",
            "[iter 10: loss 9.1, time 1280.00ms, mfu 38.52%",
            "iter 10: loss 9.1, time 1280.00ms, mfu 38.52",
            "iter 10: loss 9.1,, time 1280.00ms, mfu 38.52%",
            "iter 10: loss 1,000, time 1,280.5ms, mfu 3.8e1%",
            "iter 10: loss -1.5e-3, time .5ms, mfu -100.00%",
            "iter 10: loss 1., time 1.e3ms, mfu +4%",
            "iter 10: loss 1e, time 12ms, mfu 4%",
            "iter 10: loss 2, time 0.00ms, mfu 4%",
            "iter 10: loss 2, time 1e400ms, mfu 1e400%",
            "iter 10:  loss 2, time 12ms, mfu 4%",
            "iter 99999999999999999999: loss 2, time 12ms, mfu 4%",
            "iter 1234567890123456789: loss 2, time 12ms, mfu 4%",
            "iter x: loss 2, time 12ms, mfu 4% iter 5: loss 2, time 12ms, mfu 4%",
            "tokens per iteration will be: 1,024",
            "tokens per iteration will be: ,",
            "tokens per iteration will be: 8 iter 3: loss 2, time 8ms, mfu 1%",
            "tokens per iteration will be 8",
            // torchtitan: validation, boundaries, optional parts, spacing, escapes
            "validate step: 10  tps: 20,000",
            "validate  step: 10  tps: 20,000",
            "xstep: 10  tps: 2",
            "step:10 tps:2",
            "step: 10tps: 2",
            "step: 10  xtps: 2  tps: 3",
            "step: 10  tps: x tps: 4 mfu: 5%",
            "step: 10  tps: 1,205  tflops: 1e3  mfu: 7.06",
            "step: 10  tps: 1,205  mfu: 7.06%  tflops: 69.81",
            "step: 10  tps: 1,205  tflops: x  tflops: 3 mfu:5% mfu: 6%",
            "step: 10  tps: -5",
            "step: 10\ttps:\t5\ttflops:\t6\tmfu:\t7%",
            "\u001B[31mstep: \u001B[0m 1  \u001B[34mtps: 1,205\u001B[39m",
            "\u001B[31mst\u001B[0mep: 1  tps: 5",
            "\u001B[1;2x step: 1 tps: 5 \u001B[ \u001B[9",
            "step: 1  tps: 5\r",
            "step: 1\r tps: 5",
            "step: 1  tps: 5 \u00e9 mfu: 3%",
            // Megatron-LM: spacing, fields, order, repeats
            " iteration 5/10 | elapsed time per iteration (ms): 100.0 | global batch size: 8 |",
            " iteration 5 / 10 | elapsed time per iteration (ms): 100.0 | global batch size: 8 |",
            " iteration5/10 | elapsed time per iteration (ms): 100.0 | global batch size: 8 |",
            " xiteration 5/10 | elapsed time per iteration (ms): 100.0 | global batch size: 8 |",
            " iteration 5/10 | global batch size: 8 | elapsed time per iteration (ms): 1,000 | global batch size: 16",
            " iteration 5/10 |elapsed time per iteration (ms):100|global batch size:8|throughput per GPU (TFLOP/s/GPU): inf|",
            " iteration 5/10 | elapsed time per iteration (ms): 0 | global batch size: 8 | throughput per GPU (TFLOP/s/GPU): -3 |",
            " iteration 5/10 | elapsed time per iteration (ms): 1e2 | global batch size: 8x | throughput per GPU (TFLOP/s/GPU): 5d |",
            " iteration 5/10 | : 3 | elapsed time per iteration (ms) : , 5 | global batch size:\u001B8 |",
            " iteration 5/10 | elapsed time per iteration (ms): Infinity | global batch size: NaN |",
            " iteration 5/10 | elapsed time per iteration (ms): 100 | global batch size: 8 |\r",
            " iteration 5/10 | elapsed time per iteration (ms): 100 |\n global batch size: 8 |",
            " iteration 5/10 | elapsed time per iteration (ms): 100 | global batch size: 8 |\r\n",
            " iteration 5/10 | elapsed time per iteration (ms): 100 | global batch size: 8 | x\u2028",
            " iteration 5/10 iteration 6/10 | elapsed time per iteration (ms): 100 | global batch size: 8 |",
            // HF Trainer and Lightning: quotes, repeats, run-on numbers, forms
            "{'num_input_tokens_seen': 1e3, 'num_input_tokens_seen': 2e3}",
            "{'num_input_tokens_seen': 1e999, 'train_tokens_per_second': 5, \"step\": 3.7}",
            "{'num_input_tokens_seen\": 5, 'step': 2}",
            "{'train_samples_per_second': 35.56x, 'train_samples_per_second': 1.5.}",
            "{train_samples_per_second=12, step=4}",
            "{'train_samples_per_second' : 12 , 'step':\t4}",
            "{'train_tokens_per_second': -0.0}",
            "{'train_samples_per_second': 1,000.5}",
            "'items_per_sec': 5, 'device/items_per_sec': 6, 'device/mfu': -0.1, 'device/flops_per_sec': 1e12",
            "{'device/samples_per_sec': 64.0, 'samples_per_sec': 128, 'step': 1e3}",
            "x_items_per_sec=5 device/items_per_sec=6 step=2",
            "{'items_per_sec': .5e1, 'device/mfu': 0.5}",
            "'device/mfu': 0.7, step=12 \u00e9 items_per_sec=9",
            // DeepSpeed: the timer's fields in order, the profiler's lazy colon and units
            "epoch=0/micro_step=400/global_step=100, RunningAvgSamplesPerSec=250.1, CurrSamplesPerSec=2.56e2, MemAllocated=1GB",
            "global_step=100, RunningAvgSamplesPerSec=1,000, CurrSamplesPerSec=1,024.5",
            "global_step=100, RunningAvgSamplesPerSec=1,000,, CurrSamplesPerSec=5",
            "global_step=100, RunningAvgSamplesPerSec=x, CurrSamplesPerSec=5 global_step=7, RunningAvgSamplesPerSec=1, CurrSamplesPerSec=-5",
            "global_step=, RunningAvgSamplesPerSec=1, CurrSamplesPerSec=5",
            "global_step=99999999999999999999, RunningAvgSamplesPerSec=1, CurrSamplesPerSec=5",
            "global_step=100,  RunningAvgSamplesPerSec=1, CurrSamplesPerSec=5",
            "fwd+bwd FLOPS per GPU = 3 * fwd flops per GPU / (fwd+bwd latency):   102.0 TFLOPS",
            "fwd+bwd FLOPS per GPU = a: b: 1.5e2GFLOPS",
            "fwd+bwd FLOPS per GPU = a: 5 XFLOPS: 7 FLOPS",
            "fwd+bwd FLOPS per GPU = :1,5 PFLOPS",
            "fwd+bwd FLOPS per GPU = : -3 TFLOPS",
            "fwd+bwd FLOPS per GPU = : 3 T FLOPS",
            "fwd+bwd FLOPS per GPU = : 3\tKFLOP",
            // vLLM: both rates, in order, each followed by " tokens/s"
            "Avg prompt throughput: 1,024.5 tokens/s, Avg generation throughput: 1e3 tokens/s, Running: 1 reqs",
            "Avg prompt throughput: 5tokens/s, Avg generation throughput: 1 tokens/s",
            "Avg prompt throughput: 5 tokens/s,  Avg generation throughput: 1 tokens/s",
            "Avg prompt throughput: -5 tokens/s, Avg generation throughput: 1 tokens/s",
            "Avg prompt throughput: x tokens/s, Avg generation throughput: 1 tokens/s Avg prompt throughput: 2 tokens/s, Avg generation throughput: 3 tokens/s",
            "Avg prompt throughput: 1e999 tokens/s, Avg generation throughput: 1 tokens/s",
            // SGLang: separators, brackets, the lazy search
            "Decode batch. #running-req: 1, gen throughput (token/s): 656.23",
            "Decode batch [12], gen throughput (token/s): 1.5e2",
            "Decode batch [12] , gen throughput (token/s): 1",
            "Decode batch [], gen throughput (token/s): 1",
            "Decode batch [x, gen throughput (token/s): 1",
            "Decode batch: gen throughput (token/s): 1",
            "Decode batch, gen throughput (token/s): x, gen throughput (token/s): 3",
            "Decode batch, gen throughput (token/s): -3 Prefill batch, #new-token: 4",
            "Decode batch, gen throughput (token/s):  3 Prefill batch, #new-token: 4",
            "Decode batchDecode batch, gen throughput (token/s): 3",
            "Prefill batch, #new-token: x #new-token: 12",
            "Prefill batch [7]. #new-token: 99999999999999999999",
            "Prefill batch, #new-token: 123456789012345678",
            "Prefill batch, #new-token: -4",
            "Prefill batch,\u0085 #new-token: 4");

    /** Fragments the mutations insert: pieces of every format, numbers of every shape, odd characters. */
    static final List<String> FRAGMENTS = List.of(
            "0", "7", "12", "1,000", ",", ".", "e", "E", "-", "+", "e-5", "E+2", "1e999", ".5", "99999999999999999999",
            " ", "  ", "\t", ":", "%", "|", "'", "\"", "{", "}", "=", "/", "_", "x", "[", "]", "(", ")", "#",
            "\u001B[31m", "\u001B[0m", "\u001B", "\u001B[", "\r", "\n", "\r\n", "\u0085", "\u2028", "\u00e9", "\u2588", "?",
            "\u0301", "\u0663", "iter ", ": loss ", ", time ", "ms, mfu ", "tokens per iteration will be: ", "step:", "step",
            "validate ", "tps:", "tflops:", "mfu:", "iteration", " | ", "elapsed time per iteration (ms): ",
            "global batch size: ", "throughput per GPU (TFLOP/s/GPU): ", "'num_input_tokens_seen': ",
            "'train_tokens_per_second': ", "\"train_samples_per_second\": ", "'step': ", "step=", "items_per_sec",
            "device/", "'device/mfu': ", "samples_per_sec=", "Decode batch", "Prefill batch", " [3]", ", ",
            "gen throughput (token/s): ", "#new-token: ", "global_step=", ", RunningAvgSamplesPerSec=",
            ", CurrSamplesPerSec=", "fwd+bwd FLOPS per GPU = ", "TFLOPS", "FLOPS", "K", " samples/s", "tokens_per_second=",
            "step ", "\ud83d\ude00", "\u00b2", "\uff15", "Avg prompt throughput: ", " tokens/s, Avg generation throughput: ",
            " tokens/s");

    private static List<String> lines;

    static synchronized List<String> lines() throws IOException {
        if (lines == null) {
            lines = makeLines();
        }
        return lines;
    }

    private static List<String> makeLines() throws IOException {
        Set<String> base = new LinkedHashSet<>();
        for (LogFormat f : LogFormat.values()) {
            base.addAll(LogFormatTest.fixture(f.configName() + ".log"));
        }
        base.addAll(NEAR_MISSES);
        List<String> seeds = new ArrayList<>(base);
        List<String> out = new ArrayList<>(seeds);
        Random random = new Random(20261129);
        for (int k = 0; k < 20_000; k++) {
            String line = seeds.get(random.nextInt(seeds.size()));
            int edits = 1 + random.nextInt(3);
            for (int e = 0; e < edits; e++) {
                line = mutate(line, random);
            }
            out.add(line);
        }
        return out;
    }

    private static String mutate(String line, Random random) {
        int at = line.isEmpty() ? 0 : random.nextInt(line.length() + 1);
        int end = Math.min(line.length(), at + 1 + random.nextInt(4));
        String fragment = FRAGMENTS.get(random.nextInt(FRAGMENTS.size()));
        return switch (random.nextInt(4)) {
            case 0 -> line.substring(0, at) + fragment + line.substring(at);
            case 1 -> line.substring(0, at) + fragment + line.substring(end); // replace
            case 2 -> line.substring(0, at) + line.substring(end); // delete
            default -> line.substring(0, end) + line.substring(at); // duplicate
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("presets")
    void scannerReadsWhatTheRegularExpressionReads(Paths paths) throws IOException {
        Function<String, List<ThroughputObservation>> scanner = paths.scanner().apply(paths.parser().get());
        Function<String, List<ThroughputObservation>> reference = paths.reference().apply(paths.parser().get());
        int readings = 0;
        for (String line : lines()) {
            Object want = outcome(reference, line);
            Object got = outcome(scanner, line);
            assertEquals(want, got, () -> paths + ": " + printable(line));
            if (want instanceof List<?> l) {
                readings += l.size();
            }
        }
        assertTrue(readings > 100, paths + ": the mutated lines must keep many readings to compare, got " + readings);
    }

    /** The readings, or the class of the exception (a few malformed lines throw on both paths). */
    private static Object outcome(Function<String, List<ThroughputObservation>> parse, String line) {
        try {
            return parse.apply(line);
        } catch (RuntimeException e) {
            return e.getClass();
        }
    }

    private static String printable(String line) {
        StringBuilder sb = new StringBuilder();
        for (char c : line.toCharArray()) {
            sb.append(c < 0x20 || c > 0x7E ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return sb.toString();
    }

    @Test
    void keyValueScanFindsThePairsTheMapFinds() throws IOException {
        for (String line : lines()) {
            byte[] b = Scan.plainBytes(line);
            if (b == null) {
                continue;
            }
            Map<String, Double> map = KeyValues.parse(line);
            Set<String> askedKeys = new LinkedHashSet<>(map.keySet());
            askedKeys.add("step"); // and two that may be absent
            askedKeys.add("device/mfu");
            List<String> keys = new ArrayList<>(askedKeys);
            byte[][] asked = keys.stream().map(Scan::ascii).toArray(byte[][]::new);
            double[] values = new double[asked.length];
            KeyValues.scan(b, b.length, asked, values);
            for (int k = 0; k < keys.size(); k++) {
                assertEquals(map.getOrDefault(keys.get(k), Double.NaN), values[k], () -> printable(line));
            }
        }
    }

    /**
     * Every string of up to four characters of {@code [-+0-9,.eE x]}, and random ones of five to
     * nine: the number helpers against {@link Numbers#NUMBER} and the old {@link Numbers#parse}.
     */
    @Test
    void numberHelpersAgreeWithTheNumberExpression() {
        char[] alphabet = {'1', '0', ',', '.', 'e', 'E', '-', '+', ' ', 'x'};
        Matcher m = Numbers.NUMBER_PATTERN.matcher("");
        List<String> strings = new ArrayList<>(List.of(""));
        int from = 0;
        for (int len = 1; len <= 4; len++) {
            int to = strings.size();
            for (int i = from; i < to; i++) {
                for (char c : alphabet) {
                    strings.add(strings.get(i) + c);
                }
            }
            from = to;
        }
        Random random = new Random(9);
        for (int k = 0; k < 20_000; k++) {
            char[] cs = new char[5 + random.nextInt(5)];
            for (int i = 0; i < cs.length; i++) {
                cs[i] = alphabet[random.nextInt(alphabet.length)];
            }
            strings.add(new String(cs));
        }
        for (String s : strings) {
            byte[] b = Scan.ascii(s);
            assertEquals(m.reset(s).matches(), Scan.isNumber(b, 0, b.length), s);
            assertEquals(m.reset(s).lookingAt() ? m.end() : -1, Scan.numberEnd(b, b.length, 0), s);
            assertEquals(reference(s), Numbers.parse(s), s);
        }
    }

    /** The fast decimal path of {@link Numbers#parse} against the general one, which {@code Double.parseDouble} decides. */
    @Test
    void fastDecimalsAreTheDoublesParseDoubleGives() {
        Random random = new Random(53);
        for (int k = 0; k < 50_000; k++) {
            StringBuilder sb = new StringBuilder();
            if (random.nextInt(4) == 0) {
                sb.append(random.nextBoolean() ? '-' : '+');
            }
            int digits = 1 + random.nextInt(19);
            int dot = random.nextInt(digits + 2) - 1;
            for (int d = 0; d < digits; d++) {
                if (d == dot) {
                    sb.append('.');
                }
                sb.append((char) ('0' + random.nextInt(10)));
                if (random.nextInt(12) == 0) {
                    sb.append(',');
                }
            }
            if (random.nextInt(3) == 0) {
                sb.append(random.nextBoolean() ? 'e' : 'E').append(random.nextInt(60) - 30);
            }
            String s = sb.toString();
            assertEquals(reference(s), Numbers.parse(s), s);
            byte[] b = Scan.ascii("x" + s + "y");
            assertEquals(reference(s).orElse(Double.NaN), Numbers.parse(b, 1, b.length - 1), s);
        }
    }

    /** {@link Numbers#parse} before its fast path, as the reference. */
    private static java.util.OptionalDouble reference(String s) {
        String t = s.replace(",", "").trim();
        if (t.isEmpty()) {
            return java.util.OptionalDouble.empty();
        }
        try {
            double d = Double.parseDouble(t);
            return Double.isFinite(d) ? java.util.OptionalDouble.of(d) : java.util.OptionalDouble.empty();
        } catch (NumberFormatException e) {
            return java.util.OptionalDouble.empty();
        }
    }

    /**
     * The custom-pattern parser (literal-prefix pre-filter, reused matcher, numbers read from the
     * line's bytes) against its earlier, plain form, written out here as the reference.
     */
    @Test
    void customPatternReadsWhatAFreshMatcherReads() throws IOException {
        List<String> patterns = List.of(
                "step (?<step>\\d+) .*tokens_per_second=(?<tokensPerSecond>[0-9.]+)",
                "iter (?<step>\\d+): loss [\\d.]+, time (?<stepTimeSeconds>[-+\\d.e,]+)ms(?:, mfu (?<mfuPercent>\\S+)%)?",
                "tps:\\s*(?<tokensPerSecond>[\\d,]+)(?:.*tflops: (?<tflopsPerGpu>\\S+))?",
                "'step': (?<step>\\d+)|#new-token: (?<tokens>\\S+)",
                "(?<samplesPerSecond>\\S+) samples/s");
        ParserSettings settings = new ParserSettings(OptionalLong.of(4096), OptionalLong.of(512));
        for (String regex : patterns) {
            CustomPatternParser parser = new CustomPatternParser(regex, WorkloadPhase.TRAINING, ThroughputScope.JOB,
                    settings, "test", "pattern");
            Pattern pattern = Pattern.compile(regex);
            for (String line : lines()) {
                Object want = outcome(l -> customReference(pattern, settings, l), line);
                assertEquals(want, outcome(l -> parser.parse(l, 7), line), () -> regex + ": " + printable(line));
            }
        }
    }

    /** CustomPatternParser.parse as it was before the fast paths: a new matcher, groups by name, {@link #reference}. */
    private static List<ThroughputObservation> customReference(Pattern pattern, ParserSettings s, String line) {
        Matcher m = pattern.matcher(line);
        if (!m.find()) {
            return List.of();
        }
        Function<String, java.util.OptionalDouble> group = name -> pattern.pattern().contains("(?<" + name + ">")
                ? reference(m.group(name) == null ? "" : m.group(name)) : java.util.OptionalDouble.empty();
        java.util.OptionalDouble step = group.apply("step");
        ThroughputObservation o = null;
        java.util.OptionalDouble v;
        if ((v = group.apply("tokensPerSecond")).isPresent()) {
            o = customOf(TokenReading.RATE, v.getAsDouble());
        } else if ((v = group.apply("tokens")).isPresent()) {
            o = customOf(TokenReading.CUMULATIVE, v.getAsDouble());
        } else if ((v = group.apply("stepTimeSeconds")).isPresent() && s.tokensPerStep().isPresent()) {
            o = v.getAsDouble() > 0 ? customOf(TokenReading.RATE, s.tokensPerStep().getAsLong() / v.getAsDouble()) : null;
        } else if ((v = group.apply("samplesPerSecond")).isPresent() && s.sequenceLength().isPresent()) {
            o = customOf(TokenReading.RATE, v.getAsDouble() * s.sequenceLength().getAsLong());
        } else if (step.isPresent() && s.tokensPerStep().isPresent()) {
            o = customOf(TokenReading.CUMULATIVE, step.getAsDouble() * s.tokensPerStep().getAsLong());
        }
        if (o == null) {
            o = Parsers.noTokens(7, WorkloadPhase.TRAINING, ThroughputScope.JOB);
        }
        if (step.isPresent() && step.getAsDouble() >= 0) {
            o = o.withStep((long) step.getAsDouble());
        }
        java.util.OptionalDouble mfu = group.apply("mfuPercent");
        if (mfu.isPresent() && mfu.getAsDouble() >= 0) {
            o = o.withSelfReportedMfu(mfu.getAsDouble() / 100.0);
        }
        java.util.OptionalDouble tflops = group.apply("tflopsPerGpu");
        if (tflops.isPresent() && tflops.getAsDouble() >= 0) {
            o = o.withSelfReportedTflopsPerGpu(tflops.getAsDouble());
        }
        return Parsers.informative(o) ? List.of(o) : List.of();
    }

    private static ThroughputObservation customOf(TokenReading kind, double tokens) {
        return tokens >= 0 && !Double.isInfinite(tokens)
                ? ThroughputObservation.of(7, WorkloadPhase.TRAINING, kind, tokens, ThroughputScope.JOB) : null;
    }

    @Test
    void customPatternPrefixIsInEveryLineThePatternMatches() throws IOException {
        List<String> patterns = List.of(
                "step (?<step>\\d+) .*tokens_per_second=(?<tokensPerSecond>[0-9.]+)",
                "iter (?<step>\\d+): loss [\\d.]+, time (?<stepTimeSeconds>[\\d.]+)ms",
                "tps:\\s*(?<tokensPerSecond>[\\d,]+)",
                "tps*:\\s*(?<tokensPerSecond>[\\d,]+)",
                "mfu: ?(?<mfuPercent>[\\d.]+)% (?<tokensPerSecond>\\d+)",
                "'step': (?<step>\\d+)|#new-token: (?<tokens>\\d+)",
                "(?i)STEP:\\s*(?<tokensPerSecond>\\d+)");
        List<String> lines = lines();
        for (String regex : patterns) {
            String prefix = CustomPatternParser.requiredPrefix(regex);
            Matcher m = Pattern.compile(regex).matcher("");
            for (String line : lines) {
                if (m.reset(line).find()) {
                    assertTrue(line.contains(prefix), () -> regex + " / " + prefix + ": " + printable(line));
                }
            }
        }
    }
}
