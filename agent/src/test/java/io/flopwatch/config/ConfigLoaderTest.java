package io.flopwatch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.gpu.Precision;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigLoaderTest {

    @Test
    void emptyFileGivesTheDocumentedDefaults() {
        AgentConfig c = ConfigLoader.parse("f.yaml", "");
        assertEquals("127.0.0.1", c.web().host());
        assertEquals(9479, c.web().port());
        assertEquals(Duration.ofSeconds(1), c.sampling().interval());
        assertEquals(Duration.ofMillis(500), c.sampling().deadline());
        assertEquals(java.util.Set.of("device", "gpm", "processes", "xid", "interconnect", "infiniband"),
                c.sampling().collectors());
        assertEquals(Precision.BF16, c.analysis().defaultPrecision());
        assertTrue(c.exporters().prometheus());
        assertTrue(c.push().enabled());
        assertEquals("/api/v1/throughput", c.push().path());
        assertTrue(c.workloads().isEmpty());
    }

    @Test
    void theShippedDefaultConfigLoads() {
        AgentConfig c = ConfigLoader.load(Path.of("../config/flopwatch.yaml"));
        assertEquals(9479, c.web().port());
    }

    @Test
    void aFullWorkload() {
        AgentConfig c = ConfigLoader.parse("f.yaml", """
                sampling:
                  interval: 250ms
                workloads:
                  - name: llama
                    model: llama-3-8b
                    mode: train
                    seq_len: 4096
                    precision: fp8
                    recompute: full
                    gpus: [0, "GPU-abc"]
                    throughput: {source: push, window: 30s}
                """);
        AgentConfig.WorkloadConfig w = c.workloads().get(0);
        assertEquals(Duration.ofMillis(250), c.sampling().interval());
        assertEquals(Precision.FP8, w.precision());
        assertEquals(new AgentConfig.GpuSelection.Listed(java.util.List.of("0", "GPU-abc")), w.gpus());
        assertEquals(Duration.ofSeconds(30), w.throughput().window());
    }

    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of("unknown top-level key", "sampling: {}\nexporter: {}\n", "f.yaml:2:1: exporter: unknown key"),
                Arguments.of("unknown nested key", "sampling:\n  intervall: 1s\n", "f.yaml:2:3: sampling.intervall: unknown key"),
                Arguments.of("bad duration", "sampling:\n  interval: fast\n", "f.yaml:2:13: sampling.interval: expected a duration"),
                Arguments.of("GPM below 100 ms", "sampling:\n  interval: 50ms\n",
                        "f.yaml:2:13: sampling.interval: must be at least 100ms"),
                Arguments.of("unknown collector", "sampling:\n  collectors: [device, dcgm]\n",
                        "f.yaml:2:24: sampling.collectors[1]: unknown collector 'dcgm'"),
                Arguments.of("bad listen address", "web:\n  listen_address: 9479\n",
                        "f.yaml:2:19: web.listen_address: expected HOST:PORT"),
                Arguments.of("missing seq_len", "workloads:\n  - name: a\n    model: llama-3-8b\n    throughput: {source: push}\n",
                        "f.yaml:2:5: workloads[0].seq_len: missing required field 'seq_len'"),
                Arguments.of("unknown model", "workloads:\n  - name: a\n    model: llama-9\n    seq_len: 1\n    throughput: {source: push}\n",
                        "f.yaml:3:12: workloads[0].model: 'llama-9' is neither a preset"),
                Arguments.of("unknown precision",
                        "workloads:\n  - name: a\n    model: llama-3-8b\n    seq_len: 1\n    precision: bf17\n    throughput: {source: push}\n",
                        "f.yaml:5:16: workloads[0].precision: unknown precision 'bf17'"),
                Arguments.of("fixed without tokens",
                        "workloads:\n  - name: a\n    model: llama-3-8b\n    seq_len: 1\n    throughput: {source: fixed}\n",
                        "workloads[0].throughput.tokens_per_second: missing required field"),
                Arguments.of("unknown source",
                        "workloads:\n  - name: a\n    model: llama-3-8b\n    seq_len: 1\n    throughput: {source: carrier-pigeon}\n",
                        "f.yaml:5:26: workloads[0].throughput.source: expected fixed, push, log or metrics"),
                Arguments.of("log_writer without a log source",
                        "workloads:\n  - name: a\n    model: llama-3-8b\n    seq_len: 1\n    gpus: {log_writer: true}\n"
                                + "    throughput: {source: push}\n",
                        "f.yaml:5:24: workloads[0].gpus.log_writer: needs throughput.source log"),
                Arguments.of("log_writer false",
                        "workloads:\n  - name: a\n    model: llama-3-8b\n    seq_len: 1\n    gpus: {log_writer: false}\n"
                                + "    throughput: {source: push}\n",
                        "workloads[0].gpus.log_writer: expected true"),
                Arguments.of("a command-line pattern that does not compile",
                        "workloads:\n  - name: a\n    model: llama-3-8b\n    seq_len: 1\n"
                                + "    gpus: {cmdline: \"train(\"}\n    throughput: {source: push}\n",
                        "f.yaml:5:21: workloads[0].gpus.cmdline: not a regular expression: Unclosed group"),
                Arguments.of("process and log_writer",
                        "workloads:\n  - name: a\n    model: llama-3-8b\n    seq_len: 1\n"
                                + "    gpus: {log_writer: true, process: torchrun}\n    throughput: {source: push}\n",
                        "workloads[0].gpus: give exactly one of process: NAME, cmdline: REGEX or log_writer: true"),
                Arguments.of("password neither hashed nor marked plain", "web:\n  basic_auth_users:\n    prom: s3cret\n",
                        "f.yaml:3:11: web.basic_auth_users.prom: expected a bcrypt hash"),
                Arguments.of("bcrypt hash cut short (52 of 53 characters after the cost)",
                        "web:\n  basic_auth_users:\n    prom: \"$2y$10$abcdefghijklmnopqrstuu3KWNuWLhBnmgYfnzONPueahDuedC/l\"\n",
                        "f.yaml:3:11: web.basic_auth_users.prom: expected a bcrypt hash"),
                Arguments.of("duplicate names",
                        "workloads:\n  - {name: a, model: llama-3-8b, seq_len: 1, throughput: {source: push}}\n"
                                + "  - {name: a, model: llama-3-8b, seq_len: 1, throughput: {source: push}}\n",
                        "f.yaml:3:12: workloads[1].name: two workloads are named 'a'"));
    }

    @Test
    void aConfigWithAMistakeInEverySectionReportsEveryOneInFileOrder() {
        String yaml = """
                web:
                  listen_address: 9479
                sampling:
                  interval: fast
                exporter: {}
                workloads:
                  - name: a
                    model: llama-9
                    seq_len: 1
                    throughput: {source: push}
                  - name: b
                    model: llama-3-8b
                    seq_len: 1
                    precision: bf17
                    throughput: {source: push}
                push:
                  max_body_bytes: lots
                """;
        InputError e = assertThrows(InputError.class, () -> ConfigLoader.parse("f.yaml", yaml));
        List<String> lines = e.getMessage().lines().toList();
        assertEquals(6, lines.size(), e.getMessage());
        assertTrue(lines.get(0).startsWith("f.yaml:2:19: web.listen_address: expected HOST:PORT"), lines.get(0));
        assertTrue(lines.get(1).startsWith("f.yaml:4:13: sampling.interval: expected a duration"), lines.get(1));
        assertTrue(lines.get(2).startsWith("f.yaml:5:1: exporter: unknown key"), lines.get(2));
        assertTrue(lines.get(3).startsWith("f.yaml:8:12: workloads[0].model: 'llama-9' is neither a preset"), lines.get(3));
        assertTrue(lines.get(4).startsWith("f.yaml:14:16: workloads[1].precision: unknown precision 'bf17'"), lines.get(4));
        assertTrue(lines.get(5).startsWith("f.yaml:17:19: push.max_body_bytes:"), lines.get(5));
        assertEquals(2, e.line(), "the location fields are the first error's");
        assertTrue(e.summary().endsWith("(and 5 more)"), e.summary());
    }

    @Test
    void basicAuthTakesBcryptAsInPrometheusWebConfig() {
        // A hash as `htpasswd -nbBC 10 "" s3cret` prints it (here made by libxcrypt:
        // python3 -c 'import crypt; print(crypt.crypt("s3cret", "$2y$10$abcdefghijklmnopqrstuu"))').
        AgentConfig c = ConfigLoader.parse("f.yaml", "web:\n  basic_auth_users:\n"
                + "    prom: \"$2y$10$abcdefghijklmnopqrstuu3KWNuWLhBnmgYfnzONPueahDuedC/lu\"\n"
                + "    test: \"plain:x\"\n");
        assertEquals("$2y$10$abcdefghijklmnopqrstuu3KWNuWLhBnmgYfnzONPueahDuedC/lu", c.web().basicAuthUsers().get("prom"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void everyErrorNamesFileLineColumnAndField(String why, String yaml, String expectedStart) {
        InputError e = assertThrows(InputError.class, () -> ConfigLoader.parse("f.yaml", yaml));
        assertTrue(e.getMessage().startsWith(expectedStart) || e.getMessage().contains(expectedStart),
                why + ": got " + e.getMessage());
    }
}
