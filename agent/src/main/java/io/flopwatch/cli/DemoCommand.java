package io.flopwatch.cli;

import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.flops.FlopCounter;
import io.flopwatch.flops.ModelSpecs;
import io.flopwatch.flops.Recompute;
import io.flopwatch.flops.Workload;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.gpu.Precision;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code flopwatch demo}: the agent on the simulated 8 × H100 node with a simulated training
 * workload that writes a torchtitan log at a known rate, which the agent tails; so MFU,
 * diagnosis and every metric are live within seconds, through the same path as a real job's.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the agent on 8 simulated H100 GPUs with a simulated Llama-3-8B training job: "
                + "live MFU, diagnosis and every metric, no GPU needed.")
public final class DemoCommand implements Callable<Integer> {

    /**
     * The demo workload's tokens/s per GPU, as its torchtitan log prints them ({@code tps}, per
     * device), chosen so that MFU is about 40 %, in line with the demo scenario's tensor-active
     * ratio of 41–53 % (config/scenarios/demo-8x-h100-training.scenario): Llama-3-8B training at
     * T = 8192 counts 57.91 GFLOPs/token by PaLM's 6N + 12·L·H·Q·T
     * ({@code flopwatch flops --model llama-3-8b --seq-len 8192}); one H100 SXM's dense bf16 peak
     * is 989.5 TFLOP/s (config/gpus.yaml); so 0.40 × 989.5e12 / 57.91e9 = 6 834.6 tokens/s per
     * GPU, rounded to 6 838 (MFU 40.02 %). DemoCommandTest recomputes this from the FLOPs engine
     * and the catalog.
     */
    static final long DEMO_TOKENS_PER_GPU_PER_SECOND = 6_838;
    static final int DEMO_GPUS = 8;
    /** The node's tokens/s: 8 × 6 838 = 54 704. */
    static final double DEMO_TOKENS_PER_SECOND = DEMO_GPUS * DEMO_TOKENS_PER_GPU_PER_SECOND;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--port", defaultValue = "" + ConfigLoader.DEFAULT_PORT,
            description = "Port of /metrics on 127.0.0.1 (default ${DEFAULT-VALUE}; 0: any free port).")
    int port;

    @Option(names = "--interval", defaultValue = "1s", description = "Sampling interval (default ${DEFAULT-VALUE}).")
    String interval;

    @Option(names = "--log-format", defaultValue = "human",
            description = "Log line format every interval: human or json (default ${DEFAULT-VALUE}).")
    String logFormat;

    @Option(names = "--duration", paramLabel = "SECONDS",
            description = "Stop after this many seconds (for scripts and tests); default: until Ctrl-C.")
    Double durationSeconds;

    private static final String DEMO_HEAD = """
            web:
              listen_address: 127.0.0.1:%d
            sampling:
              interval: %s
              simulate: demo
            exporters:
              log:
                format: %s
            workloads:
              - name: llama3-8b-pretrain
                model: llama-3-8b
                mode: train
                seq_len: 8192
                precision: bf16
                gpus: all
                throughput:
            """;

    /**
     * The demo's configuration, the same YAML a user would write (docs/configuration.md): the
     * agent tails the simulated job's torchtitan log like a real job's.
     */
    static String demoConfig(int port, String interval, String logFormat, Path trainingLog) {
        return String.format(Locale.ROOT, DEMO_HEAD + """
                      source: log
                      paths: ["%s"]
                      format: torchtitan
                      start_at: beginning
                      window: 10s
                """, port, interval, logFormat, trainingLog.toString().replace("\\", "\\\\").replace("\"", "\\\""));
    }

    /** The same workload with a fixed rate instead of a log, for tests that need no writer thread. */
    static String demoConfig(int port, String interval, String logFormat) {
        return String.format(Locale.ROOT, DEMO_HEAD + """
                      source: fixed
                      tokens_per_second: %s
                      window: 10s
                """, port, interval, logFormat, Double.toString(DEMO_TOKENS_PER_SECOND));
    }

    /** Model FLOPs per token of the demo workload, for its log's tflops and mfu. */
    static double demoModelFlopsPerToken() {
        return FlopCounter.estimate(ModelSpecs.resolve("llama-3-8b"), Workload.training(8192, Recompute.NONE))
                .modelFlopsPerToken();
    }

    @Override
    public Integer call() throws Exception {
        double peak = GpuCatalog.builtIn().densePeakFlops("NVIDIA H100 80GB HBM3", Precision.BF16).orElseThrow();
        try (DemoTrainingLog job = new DemoTrainingLog(DEMO_TOKENS_PER_GPU_PER_SECOND, demoModelFlopsPerToken(), peak,
                Duration.ofSeconds(1))) {
            AgentConfig c = ConfigLoader.parse("flopwatch demo", demoConfig(port, interval, logFormat, job.file()));
            return RunCommand.runAgent(spec.commandLine().getOut(), c, durationSeconds, true, null);
        }
    }
}
