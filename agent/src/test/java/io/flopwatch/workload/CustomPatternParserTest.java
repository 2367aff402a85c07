package io.flopwatch.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.config.InputError;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CustomPatternParserTest {
    private static final String SRC = "/etc/flopwatch/flopwatch.yaml";
    private static final String FIELD = "workloads[0].log.pattern";

    private static CustomPatternParser parser(String regex, ParserSettings s) {
        return new CustomPatternParser(regex, WorkloadPhase.TRAINING, ThroughputScope.JOB, s, SRC, FIELD);
    }

    // Each row: pattern, settings, a line, and the reading expected from the line's own numbers.
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            throughput=(?<tokens_per_second>[\\d.]+) tok/s          | 0    | 0    | step 5 throughput=1234.5 tok/s | RATE       | 1234.5
            seen (?<tokens>[\\d,]+) tokens                            | 0    | 0    | seen 1,048,576 tokens          | CUMULATIVE | 1048576
            step (?<step>\\d+) took (?<step_time_seconds>[\\d.]+)s   | 8192 | 0    | step 7 took 0.5s               | RATE       | 16384
            (?<samples_per_second>[\\d.]+) samples/s                 | 0    | 2048 | 12.5 samples/s                 | RATE       | 25600
            global step (?<step>\\d+)                                | 4096 | 0    | global step 300                | CUMULATIVE | 1228800
            tps=(?<tokensPerSecond>[\\d.]+)                          | 0    | 0    | tps=99                         | RATE       | 99
            """)
    void readsEachKindOfGroup(String regex, long tokensPerStep, long seqLen, String line, TokenReading kind,
                              double tokens) {
        ParserSettings s = new ParserSettings(
                tokensPerStep > 0 ? java.util.OptionalLong.of(tokensPerStep) : java.util.OptionalLong.empty(),
                seqLen > 0 ? java.util.OptionalLong.of(seqLen) : java.util.OptionalLong.empty());
        List<ThroughputObservation> got = parser(regex.strip(), s).parse(line.strip(), 42);
        assertEquals(1, got.size());
        assertEquals(kind, got.get(0).reading());
        assertEquals(tokens, got.get(0).tokens(), 1e-9);
        assertEquals(42, got.get(0).nanoTime());
    }

    @Test
    void optionalGroupsAreSelfReportedValues() {
        CustomPatternParser p = parser(
                "it (?<step>\\d+) .*tok/s=(?<tokens_per_second>[\\d.]+) mfu=(?<mfu_percent>[\\d.]+)% tflops=(?<tflops_per_gpu>[\\d.]+)",
                ParserSettings.NONE);
        ThroughputObservation o = p.parse("it 12 loss=2.0 tok/s=5000 mfu=45.5% tflops=450.1", 0).get(0);
        assertEquals(12, o.step().getAsLong());
        assertEquals(0.455, o.selfReportedMfu().getAsDouble(), 1e-12);
        assertEquals(450.1, o.selfReportedTflopsPerGpu().getAsDouble(), 1e-12);
        assertTrue(p.parse("unrelated line", 0).isEmpty());
    }

    @Test
    void backReferencesToSnakeCaseGroupsWork() {
        CustomPatternParser p = parser("(?<step>\\d+)/\\k<step> (?<tokens_per_second>\\d+)", ParserSettings.NONE);
        assertEquals(77, p.parse("3/3 77", 0).get(0).tokens(), 0);
        assertTrue(p.parse("3/4 77", 0).isEmpty());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            (?<tokens_per_second>[\\d.]+                  | not a valid Java regular expression
            loss (?<loss>[\\d.]+)                         | needs one of the named groups
            no groups at all                              | needs one of the named groups
            took (?<step_time_seconds>[\\d.]+)s           | step_time_seconds and step need tokens_per_step
            (?<samples_per_second>[\\d.]+) samples/s      | samples_per_second needs sequence_length
            step (?<step>\\d+)                            | give no token count
            """)
    void badPatternsAreInputErrorsNamingTheField(String regex, String problem) {
        InputError e = assertThrows(InputError.class, () -> parser(regex.strip(), ParserSettings.NONE));
        assertEquals(FIELD, e.field());
        assertEquals(SRC, e.source());
        assertTrue(e.problem().contains(problem.strip()), e.getMessage());
        assertTrue(e.getMessage().startsWith(SRC + ": " + FIELD + ": "), e.getMessage());
    }

    // Group numbers counted from the pattern's text: java.util.regex numbers capturing groups by
    // their opening parenthesis, left to right (java.util.regex.Pattern, "Groups and capturing");
    // "-" where the count is not certain and the names are looked up instead. Each row's input
    // matches, and the numbers are checked against the names there too.
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            step (?<step>\\d+) .*tokens_per_second=(?<tokensPerSecond>[0-9.]+) | step 3 x tokens_per_second=4.5 | step=1 tokensPerSecond=2
            (a)(?:b)(?<step>c)(?=d)(?<!e)(?<tokens>d)                       | abcd                            | step=2 tokens=3
            \\((?<step>\\d+)\\)                                                | (12)                            | step=1
            []](?<step>x)(y)                                                 | ]xy                             | step=1
            [^]a](?<step>x)                                                  | bx                              | step=1
            [[a]b](?<step>x)                                                 | bx                              | step=1
            []()](?<step>x)                                                  | (x                              | -
            \\Q(\\E(?<step>x)                                                  | (x                              | -
            `(?x) ( (?<step>x) ) # (`                                        | x                               | -
            """)
    void groupNumbersAreCountedWhenCertain(String regex, String input, String expected) {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(regex);
        java.util.Map<String, Integer> got = CustomPatternParser.groupNumbers(regex, p.matcher("").groupCount());
        if (expected.equals("-")) {
            assertEquals(null, got);
            return;
        }
        java.util.Map<String, Integer> want = new java.util.TreeMap<>();
        for (String kv : expected.split(" ")) {
            want.put(kv.substring(0, kv.indexOf('=')), Integer.parseInt(kv.substring(kv.indexOf('=') + 1)));
        }
        assertEquals(want, new java.util.TreeMap<>(got));
        java.util.regex.Matcher m = p.matcher(input);
        assertTrue(m.find(), input);
        for (var e : want.entrySet()) {
            assertEquals(m.start(e.getKey()), m.start(e.getValue()), e.getKey());
            assertEquals(m.end(e.getKey()), m.end(e.getValue()), e.getKey());
        }
    }
}
