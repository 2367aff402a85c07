package io.flopwatch.cli;

import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.config.InputError;
import io.flopwatch.daemon.Agent;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.telemetry.NvmlOpener;
import io.flopwatch.telemetry.Ticker;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flopwatch run}: the daemon. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the agent: sample every GPU, analyze, serve /metrics, write log lines, push OTLP.")
public final class RunCommand implements Callable<Integer> {

    /** Where {@code run} looks for its config when {@code --config} is not given. */
    static final Path DEFAULT_CONFIG = Path.of("/etc/flopwatch/flopwatch.yaml");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Configuration file (default: /etc/flopwatch/flopwatch.yaml when it exists, else built-in defaults; "
                    + "format: docs/configuration.md).")
    Path config;

    @Option(names = "--duration", paramLabel = "SECONDS",
            description = "Stop after this many seconds (for scripts and tests); default: until stopped (SIGTERM, Ctrl-C).")
    Double durationSeconds;

    @Override
    public Integer call() throws Exception {
        AgentConfig c;
        if (config != null) {
            c = ConfigLoader.load(config);
        } else if (Files.isReadable(DEFAULT_CONFIG)) {
            c = ConfigLoader.load(DEFAULT_CONFIG);
        } else {
            c = ConfigLoader.defaults();
        }
        return runAgent(spec, c, durationSeconds, false);
    }

    /** Opens the NVML the config names: the system's, a library file, or the simulator. */
    static NvmlOpener opener(AgentConfig c) {
        NvmlSource source;
        if (c.sampling().simulate().isPresent()) {
            String sim = c.sampling().simulate().get();
            Path scenario = sim.equals("demo") ? NvmlOptions.demoScenario() : Path.of(sim);
            if (!Files.isReadable(scenario)) {
                throw new InputError("sampling.simulate", 0, 0, null, "scenario file " + scenario + " is not readable");
            }
            source = NvmlSource.simulated(scenario);
        } else {
            source = NvmlSource.system(c.sampling().nvmlLibrary());
        }
        return () -> NvmlOptions.open(source);
    }

    static int runAgent(CommandLine.Model.CommandSpec spec, AgentConfig c, Double durationSeconds, boolean demo)
            throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String version = Main.class.getPackage().getImplementationVersion();
        CountDownLatch stop = new CountDownLatch(1);
        try (Agent agent = new Agent(c, opener(c), Ticker.system(), out, version == null ? "dev" : version)) {
            agent.start();
            agent.metricsUrl().ifPresent(u -> out.println("flopwatch: serving " + u
                    + (demo ? "  (simulated GPUs; open it in a browser or point Prometheus at it)" : "")));
            out.flush();
            Thread hook = new Thread(stop::countDown, "flopwatch-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                if (durationSeconds != null) {
                    stop.await(Duration.ofMillis(Math.round(durationSeconds * 1000)).toMillis(), TimeUnit.MILLISECONDS);
                } else {
                    stop.await();
                }
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // already shutting down
                }
            }
        }
        return ExitStatus.OK.code();
    }
}
