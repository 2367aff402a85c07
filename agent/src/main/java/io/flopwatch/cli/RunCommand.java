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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flopwatch run}: the daemon. */
@Command(name = RunCommand.NAME, mixinStandardHelpOptions = true,
        description = "Run the agent: sample every GPU, analyze, serve /metrics, write log lines, push OTLP.")
public final class RunCommand implements Callable<Integer> {

    static final String NAME = "run";

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
        return call(spec.commandLine().getOut());
    }

    /** Runs the agent, its "serving …" line to {@code out}. */
    Integer call(PrintWriter out) throws Exception {
        return runAgent(out, load(), durationSeconds, false, this::load);
    }

    /**
     * The command as picocli would set it up for {@code args}, when they are {@code run} with
     * nothing but {@code --config FILE} and {@code --duration SECONDS} (each at most once, as
     * {@code --opt value} or {@code --opt=value}): how systemd, the container and scripts start
     * the daemon. Anything else (help, a repeated or unknown option, a value picocli might read
     * differently: one that starts with {@code -} or {@code @}, a duration that is not a plain
     * decimal) is left to picocli: empty.
     *
     * <p>Why: building picocli's model costs the daemon a quarter of a second at every start
     * (its jar's classes are Java 5 class files, which the JVM verifies the slow way and cannot
     * put into a class-data sharing archive; docs/BENCHMARKS.md, section 5). RunCommandArgsTest
     * checks that each invocation taken here gives the fields picocli gives.
     */
    static Optional<RunCommand> simpleInvocation(String... args) {
        if (args.length == 0 || !args[0].equals(NAME)) {
            return Optional.empty();
        }
        RunCommand r = new RunCommand();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            int eq = a.indexOf('=');
            String option = eq < 0 ? a : a.substring(0, eq);
            String value;
            if (eq >= 0) {
                value = a.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                return Optional.empty();
            }
            if (value.isEmpty() || value.startsWith("-") || value.startsWith("@")) {
                return Optional.empty();
            }
            if (option.equals("--config") && r.config == null) {
                r.config = Path.of(value);
            } else if (option.equals("--duration") && r.durationSeconds == null
                    && value.matches("[0-9]{1,9}(\\.[0-9]{1,9})?")) {
                r.durationSeconds = Double.valueOf(value);
            } else {
                return Optional.empty();
            }
        }
        return Optional.of(r);
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
    static int runAgent(PrintWriter out, AgentConfig c, Double durationSeconds, boolean demo,
                        java.util.function.Supplier<AgentConfig> reload) throws Exception {
        String implementation = Main.class.getPackage().getImplementationVersion();
        String version = implementation == null ? "dev" : implementation;
        // Each agent's first NVML session opens while the agent is built (EarlyNvmlOpener). The
        // daemon builds a new agent only after closing the previous one, so by then an early
        // session the previous sampler never took can go; so can one whose agent failed to build.
        List<EarlyNvmlOpener> early = new ArrayList<>();
        Daemon daemon = new Daemon(cfg -> {
            early.forEach(EarlyNvmlOpener::discard);
            early.clear();
            EarlyNvmlOpener opener = new EarlyNvmlOpener(opener(cfg));
            early.add(opener);
            try {
                return new Agent(cfg, opener, Ticker.system(), out, version);
            } catch (Exception | Error e) {
                opener.discard();
                throw e;
            }
        },
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
            early.forEach(EarlyNvmlOpener::discard); // the agent is closed: an untaken session goes too
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
