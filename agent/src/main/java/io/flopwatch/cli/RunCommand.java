package io.flopwatch.cli;

import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.config.InputError;
import io.flopwatch.daemon.Agent;
import io.flopwatch.daemon.Daemon;
import io.flopwatch.daemon.WatchdogPolicy;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.systemd.SystemdNotifier;
import io.flopwatch.telemetry.NvmlOpener;
import io.flopwatch.telemetry.Ticker;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
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
        return runAgent(spec, load(), durationSeconds, false, this::load);
    }

    private AgentConfig load() {
        if (config != null) {
            return ConfigLoader.load(config);
        }
        if (Files.isReadable(DEFAULT_CONFIG)) {
            return ConfigLoader.load(DEFAULT_CONFIG);
        }
        return ConfigLoader.defaults();
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

    /**
     * Runs the agent until SIGTERM / Ctrl-C (or {@code durationSeconds}); under systemd it sends
     * READY=1 after the first cycle, feeds the watchdog and reloads on SIGHUP ({@link Daemon}).
     *
     * @param reload reads the configuration again for SIGHUP; null: SIGHUP is not handled (demo)
     */
    static int runAgent(CommandLine.Model.CommandSpec spec, AgentConfig c, Double durationSeconds, boolean demo,
                        java.util.function.Supplier<AgentConfig> reload) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String implementation = Main.class.getPackage().getImplementationVersion();
        String version = implementation == null ? "dev" : implementation;
        Daemon daemon = new Daemon(cfg -> new Agent(cfg, new EarlyNvmlOpener(opener(cfg)), Ticker.system(), out, version),
                reload == null ? () -> c : reload, SystemdNotifier.fromEnvironment(),
                WatchdogPolicy.watchdogTimeout(System.getenv(), ProcessHandle.current().pid()), Ticker.system());
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            daemon.requestStop();
            // Wait (bounded) for the daemon to close the agent in order before the JVM exits.
            try {
                stopped.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "flopwatch-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        if (reload != null) {
            Signals.onHangup(daemon::requestReload);
        }
        try {
            daemon.run(c, Optional.ofNullable(durationSeconds).map(s -> Duration.ofMillis(Math.round(s * 1000))),
                    agent -> {
                        agent.metricsUrl().ifPresent(u -> out.println("flopwatch: serving " + u
                                + (demo ? "  (simulated GPUs; open it in a browser or point Prometheus at it)" : "")));
                        out.flush();
                    });
        } finally {
            stopped.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
        return ExitStatus.OK.code();
    }
}
