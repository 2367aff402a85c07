package io.flopwatch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.workload.LogFormat;
import io.flopwatch.workload.ThroughputScope;
import io.flopwatch.workload.TokenCounters;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@code log} and {@code metrics} throughput sources of docs/configuration.md. */
class ThroughputConfigTest {

    /** A workload whose throughput block is {@code throughput} (indented under it, from line 6). */
    static String workload(String mode, String throughput) {
        return "workloads:\n  - name: w\n    model: llama-3-8b\n    mode: " + mode + "\n    seq_len: 2048\n"
                + "    throughput:\n" + throughput.indent(6);
    }

    static AgentConfig.Throughput parse(String mode, String throughput) {
        return ConfigLoader.parse("f.yaml", workload(mode, throughput)).workloads().get(0).throughput();
    }

    @Test
    void aLogSourceWithAPreset() {
        AgentConfig.Throughput t = parse("train", """
                source: log
                paths: [/var/log/train/rank*.log, /tmp/x.log]
                format: nanogpt
                tokens_per_step: 491520
                start_at: beginning
                job_gpus: 16
                window: 30s
                """);
        assertEquals("log", t.source());
        assertEquals(Duration.ofSeconds(30), t.window());
        assertEquals(new AgentConfig.LogSource(List.of("/var/log/train/rank*.log", "/tmp/x.log"),
                Optional.of(LogFormat.NANOGPT), Optional.empty(), OptionalLong.of(491_520), OptionalLong.of(2048),
                false, ThroughputScope.NODE, OptionalInt.of(16)), t.log().orElseThrow());
    }

    @Test
    void aLogSourceWithAPatternDefaultsToTheEndOfTheFileAndNodeScope() {
        AgentConfig.LogSource l = parse("train", """
                source: log
                paths: /tmp/train.log
                pattern: 'step (?<step>\\d+) .* (?<step_time_seconds>[\\d.]+)s'
                tokens_per_step: 1048576
                scope: job
                job_gpus: 64
                """).log().orElseThrow();
        assertTrue(l.startAtEnd());
        assertEquals(ThroughputScope.JOB, l.scope());
        assertEquals(OptionalInt.of(64), l.jobGpus());
        assertEquals(List.of("/tmp/train.log"), l.paths());
        assertEquals(OptionalLong.of(2048), l.seqLenTokens(), "the workload's seq_len unless the throughput block says");
    }

    @Test
    void aMetricsSource() {
        AgentConfig.Throughput t = parse("inference", """
                source: metrics
                url: http://127.0.0.1:8000/metrics
                server: vllm
                labels: {model_name: meta-llama/Llama-3.1-8B-Instruct}
                interval: 10s
                """);
        AgentConfig.MetricsSource m = t.metrics().orElseThrow();
        assertEquals(URI.create("http://127.0.0.1:8000/metrics"), m.url());
        assertEquals(TokenCounters.VLLM, m.counters());
        assertEquals(Map.of("model_name", "meta-llama/Llama-3.1-8B-Instruct"), m.labels());
        assertEquals(Duration.ofSeconds(10), m.interval());
    }

    @Test
    void aMetricsSourceCanFollowOnePhaseOrACustomCounter() {
        assertEquals(TokenCounters.of(null, "sglang:generation_tokens_total"), parse("inference", """
                source: metrics
                url: http://127.0.0.1:30000/metrics
                server: sglang
                phase: decode
                """).metrics().orElseThrow().counters());
        AgentConfig.MetricsSource m = parse("inference", """
                source: metrics
                url: https://10.0.0.5/metrics
                server: custom
                counter: my_server_prompt_tokens_total
                phase: prefill
                """).metrics().orElseThrow();
        assertEquals(TokenCounters.of("my_server_prompt_tokens_total", null), m.counters());
        assertEquals(Duration.ofSeconds(5), m.interval(), "documented default");
    }

    /** The commented example workloads of config/flopwatch.yaml, uncommented, are a valid config. */
    @Test
    void theShippedConfigsExampleWorkloadsParse() throws Exception {
        List<String> lines = java.nio.file.Files.readAllLines(java.nio.file.Path.of("../config/flopwatch.yaml"));
        int from = lines.indexOf("# workloads:");
        assertTrue(from >= 0, "config/flopwatch.yaml has an example workloads block");
        String yaml = String.join("\n", lines.subList(from, lines.size()).stream()
                .map(l -> l.equals("#") ? "" : l.startsWith("# ") ? l.substring(2) : l).toList());
        AgentConfig c = ConfigLoader.parse("flopwatch.yaml (example)", yaml);
        assertEquals(LogFormat.TORCHTITAN, c.workloads().get(0).throughput().log().orElseThrow().format().orElseThrow());
        assertEquals(TokenCounters.VLLM, c.workloads().get(1).throughput().metrics().orElseThrow().counters());
    }

    static Stream<Arguments> errors() {
        // The throughput block starts on line 7 of workload(...), at column 7.
        return Stream.of(
                Arguments.of("log without paths", "train", "source: log\nformat: nanogpt\n",
                        "f.yaml:7:7: workloads[0].throughput.paths: missing required field"),
                Arguments.of("unknown format", "train", "source: log\npaths: /x.log\nformat: nanogtp\n",
                        "f.yaml:9:15: workloads[0].throughput.format: unknown log format 'nanogtp' (known: nanogpt, torchtitan"),
                Arguments.of("format and pattern", "train",
                        "source: log\npaths: /x.log\nformat: nanogpt\npattern: '(?<tokens>\\d+)'\n",
                        "f.yaml:10:16: workloads[0].throughput.pattern: give exactly one of format"),
                Arguments.of("neither format nor pattern", "train", "source: log\npaths: /x.log\n",
                        "f.yaml:7:15: workloads[0].throughput.source: give exactly one of format"),
                Arguments.of("bad regex", "train", "source: log\npaths: /x.log\npattern: '(?<tokens>\\d+'\n",
                        "f.yaml:9:16: workloads[0].throughput.pattern: not a valid Java regular expression"),
                Arguments.of("pattern without a throughput group", "train",
                        "source: log\npaths: /x.log\npattern: 'loss (?<loss>[\\d.]+)'\n",
                        "f.yaml:9:16: workloads[0].throughput.pattern: the pattern needs one of the named groups"),
                Arguments.of("step time without tokens_per_step", "train",
                        "source: log\npaths: /x.log\npattern: 'took (?<step_time_seconds>[\\d.]+)s'\n",
                        "f.yaml:9:16: workloads[0].throughput.pattern: the pattern's groups [step_time_seconds] give no token count"),
                Arguments.of("bad start_at", "train", "source: log\npaths: /x.log\nformat: torchtitan\nstart_at: middle\n",
                        "f.yaml:10:17: workloads[0].throughput.start_at: expected end or beginning"),
                Arguments.of("bad scope", "train",
                        "source: log\npaths: /x.log\npattern: '(?<tokens>\\d+)'\nscope: rack\n",
                        "f.yaml:10:14: workloads[0].throughput.scope: expected job, node or gpu"),
                Arguments.of("scope with a preset", "train",
                        "source: log\npaths: /x.log\nformat: torchtitan\nscope: job\n",
                        "f.yaml:10:14: workloads[0].throughput.scope: format torchtitan says whose work"),
                Arguments.of("job_gpus outside job scope", "train",
                        "source: log\npaths: /x.log\npattern: '(?<tokens>\\d+)'\njob_gpus: 8\n",
                        "f.yaml:10:17: workloads[0].throughput.job_gpus: job_gpus is for readings in job scope"),
                Arguments.of("zero job_gpus", "train", "source: log\npaths: /x.log\nformat: nanogpt\njob_gpus: 0\n",
                        "f.yaml:10:17: workloads[0].throughput.job_gpus: must be the job's number of GPUs"),
                Arguments.of("negative tokens_per_step", "train",
                        "source: log\npaths: /x.log\nformat: nanogpt\ntokens_per_step: -1\n",
                        "f.yaml:10:24: workloads[0].throughput.tokens_per_step: must be a positive number"),
                Arguments.of("glob in a directory", "train", "source: log\npaths: ['/runs/*/train.log']\nformat: nanogpt\n",
                        "f.yaml:8:15: workloads[0].throughput.paths[0]: a glob may only be in the file name"),
                Arguments.of("metrics key on a log source", "train",
                        "source: log\npaths: /x.log\nformat: nanogpt\nurl: http://x/metrics\n",
                        "f.yaml:10:12: workloads[0].throughput.url: the log source does not take url"),
                Arguments.of("unknown key", "train", "source: log\npaths: /x.log\nformat: nanogpt\nfromat: x\n",
                        "f.yaml:10:7: workloads[0].throughput.fromat: unknown key"),
                Arguments.of("metrics on a training workload", "train",
                        "source: metrics\nurl: http://127.0.0.1:8000/metrics\nserver: vllm\n",
                        "f.yaml:7:15: workloads[0].throughput.source: the metrics source counts an inference server's tokens"),
                Arguments.of("metrics without url", "inference", "source: metrics\nserver: vllm\n",
                        "f.yaml:7:7: workloads[0].throughput.url: missing required field"),
                Arguments.of("not an http url", "inference", "source: metrics\nurl: file:///etc/passwd\nserver: vllm\n",
                        "f.yaml:8:12: workloads[0].throughput.url: expected an http:// or https:// URL"),
                Arguments.of("unknown server", "inference", "source: metrics\nurl: http://h:1/metrics\nserver: triton\n",
                        "f.yaml:9:15: workloads[0].throughput.server: expected vllm, sglang, tgi or custom"),
                Arguments.of("custom without counter", "inference", "source: metrics\nurl: http://h:1/metrics\nserver: custom\n",
                        "f.yaml:9:15: workloads[0].throughput.server: server custom needs counter"),
                Arguments.of("counter for a known server", "inference",
                        "source: metrics\nurl: http://h:1/metrics\nserver: vllm\ncounter: x_total\n",
                        "f.yaml:10:16: workloads[0].throughput.counter: counter is for server: custom"),
                Arguments.of("bad counter name", "inference",
                        "source: metrics\nurl: http://h:1/metrics\nserver: custom\ncounter: 'my tokens'\n",
                        "f.yaml:10:16: workloads[0].throughput.counter: not a Prometheus metric name"),
                Arguments.of("bad phase", "inference", "source: metrics\nurl: http://h:1/metrics\nserver: vllm\nphase: train\n",
                        "f.yaml:10:14: workloads[0].throughput.phase: expected prefill, decode or both"),
                Arguments.of("custom counter for both phases", "inference",
                        "source: metrics\nurl: http://h:1/metrics\nserver: custom\ncounter: t_total\nphase: both\n",
                        "f.yaml:11:14: workloads[0].throughput.phase: one custom counter is one phase"),
                Arguments.of("interval shorter than a fetch's timeout", "inference",
                        "source: metrics\nurl: http://h:1/metrics\nserver: vllm\ninterval: 200ms\n",
                        "f.yaml:10:17: workloads[0].throughput.interval: must be at least 1000ms"),
                Arguments.of("log key on a metrics source", "inference",
                        "source: metrics\nurl: http://h:1/metrics\nserver: vllm\nformat: vllm\n",
                        "f.yaml:10:15: workloads[0].throughput.format: the metrics source does not take format"),
                Arguments.of("tokens_per_second on push", "train", "source: push\ntokens_per_second: 5\n",
                        "f.yaml:8:26: workloads[0].throughput.tokens_per_second: the push source does not take"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void everyMistakeNamesFileLineColumnAndField(String why, String mode, String throughput, String expected) {
        InputError e = assertThrows(InputError.class, () -> ConfigLoader.parse("f.yaml", workload(mode, throughput)));
        assertTrue(e.getMessage().startsWith(expected), why + ": got " + e.getMessage());
    }
}
