package io.flopwatch.cli;

import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code flopwatch demo}: the agent on the simulated 8 × H100 node with a simulated training
 * workload of known throughput, so MFU, diagnosis and every metric are live within seconds.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the agent on 8 simulated H100 GPUs with a simulated Llama-3-8B training job: "
                + "live MFU, diagnosis and every metric, no GPU needed.")
public final class DemoCommand implements Callable<Integer> {

    /**
     * The demo workload's tokens/s on the node, chosen so that MFU is about 40 %, in line with the
     * demo scenario's tensor-active ratio of 41–53 % (config/scenarios/demo-8x-h100-training.scenario):
     * Llama-3-8B training at T = 8192 counts 57.91 GFLOPs/token by PaLM's 6N + 12·L·H·Q·T
     * ({@code flopwatch flops --model llama-3-8b --seq-len 8192}); the node's peak is
     * 8 × 989.5 TFLOP/s (H100 SXM dense bf16, config/gpus.yaml) = 7.916 PFLOP/s; so
     * 0.40 × 7.916e15 / 57.91e9 = 54 678 tokens/s, rounded to 54 700 (MFU 40.02 %).
     * DemoCommandTest recomputes this from the FLOPs engine and the catalog.
     */
    static final double DEMO_TOKENS_PER_SECOND = 54_700;

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

    /** The demo's configuration, the same YAML a user would write (docs/configuration.md). */
    static String demoConfig(int port, String interval, String logFormat) {
        return String.format(Locale.ROOT, """
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
                      source: fixed
                      tokens_per_second: %s
                      window: 10s
                """, port, interval, logFormat, Double.toString(DEMO_TOKENS_PER_SECOND));
    }

    @Override
    public Integer call() throws Exception {
        AgentConfig c = ConfigLoader.parse("flopwatch demo", demoConfig(port, interval, logFormat));
        return RunCommand.runAgent(spec, c, durationSeconds, true, null);
    }
}
