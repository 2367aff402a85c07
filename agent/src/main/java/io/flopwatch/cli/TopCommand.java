package io.flopwatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.config.InputError;
import io.flopwatch.daemon.LiveAnalyzer;
import io.flopwatch.export.MetricsServer;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.telemetry.Collectors;
import io.flopwatch.telemetry.NvmlOpener;
import io.flopwatch.telemetry.Sampler;
import io.flopwatch.telemetry.Ticker;
import io.flopwatch.top.History;
import io.flopwatch.top.ProcFs;
import io.flopwatch.top.Screen;
import io.flopwatch.top.SnapshotFeed;
import io.flopwatch.top.TopData;
import io.flopwatch.top.TopTerminal;
import io.flopwatch.top.ViewState;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code flopwatch top}: a live terminal view of the node with MFU beside the hardware counters
 * (docs/top.md). Reads a local daemon's snapshot endpoint, or samples by itself when none answers.
 */
@Command(name = "top", mixinStandardHelpOptions = true,
        description = "Live terminal view of the node: per-GPU MFU, tensor / SM / DRAM activity, memory, power, "
                + "clocks, diagnosis; workloads; processes. Keys: q quit, s sort, up/down or 0-9 select a GPU, "
                + "tab switch view, space/p pause, ? help.")
final class TopCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    NvmlOptions nvmlOptions = new NvmlOptions();

    @Option(names = "--url", paramLabel = "URL",
            description = "The daemon's snapshot endpoint (default: http://HOST:PORT" + MetricsServer.SNAPSHOT_PATH
                    + " from --config's web.listen_address, else 127.0.0.1:" + ConfigLoader.DEFAULT_PORT
                    + "). When it does not answer, top samples the GPUs itself. Basic auth: FLOPWATCH_TOP_AUTH=user:password.")
    URI url;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Agent config: the daemon's address, and the workloads and sampling top uses when it "
                    + "samples by itself (default: /etc/flopwatch/flopwatch.yaml when it exists).")
    Path config;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "1s",
            description = "Screen refresh interval (default ${DEFAULT-VALUE}; e.g. 500ms, 2s).")
    String interval;

    @Option(names = "--once", description = "Print one frame as plain text and exit (for scripts and tests).")
    boolean once;

    @Option(names = "--width", defaultValue = "80", description = "Width of the --once frame (default ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--height", defaultValue = "24", description = "Height of the --once frame (default ${DEFAULT-VALUE}).")
    int height;

    @Option(names = "--view", defaultValue = "gpus",
            description = "The first view: gpus, workloads or processes (default ${DEFAULT-VALUE}).")
    String view;

    @Option(names = "--gpu", paramLabel = "INDEX", defaultValue = "-1",
            description = "Select this GPU at the start: its detail panel is shown.")
    int selectedGpu;

    @Option(names = "--ascii", description = "ASCII bars and sparklines instead of Unicode blocks.")
    boolean ascii;

    @Option(names = "--monochrome", description = "No colors (also: the NO_COLOR environment variable).")
    boolean monochrome;

    @Override
    public Integer call() throws Exception {
        Duration refresh = parseInterval(interval);
        ViewState.View firstView = parseView();
        if (width < Screen.MIN_WIDTH || height < Screen.MIN_HEIGHT) {
            throw new InputError("--width/--height", 0, 0, null, "the frame must be at least "
                    + Screen.MIN_WIDTH + "x" + Screen.MIN_HEIGHT);
        }
        quietLogs();
        AgentConfig agentConfig = loadConfig();
        if (once) {
            try (SnapshotFeed feed = openFeed(agentConfig)) {
                return printOnce(feed, firstView);
            }
        }
        // The terminal first: without one there is nothing to sample for. dumb(true) allows a dumb
        // terminal quietly, so the check below can say what to do instead of JLine's warning.
        try (Terminal terminal = TerminalBuilder.builder().system(true).dumb(true).name("flopwatch top").build()) {
            if (Terminal.TYPE_DUMB.equals(terminal.getType()) || Terminal.TYPE_DUMB_COLOR.equals(terminal.getType())) {
                throw new InputError("top", 0, 0, null, "needs an interactive terminal; use --once to print one frame");
            }
            try (SnapshotFeed feed = openFeed(agentConfig)) {
                new TopTerminal(terminal, feed, refresh, monochrome || TopTerminal.noColorRequested(System.getenv()),
                        ascii, ProcFs.system(), new ViewState(firstView, ViewState.Sort.INDEX, selectedGpu, false,
                        false, false)).run();
            }
        }
        return ExitStatus.OK.code();
    }

    private ViewState.View parseView() {
        try {
            return ViewState.View.valueOf(view.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InputError("--view", 0, 0, null, "expected gpus, workloads or processes, got '" + view + "'");
        }
    }

    private int printOnce(SnapshotFeed feed, ViewState.View v) throws IOException {
        JsonNode doc = feed.latest();
        TopData data = ProcFs.system().enrich(TopData.parse(doc));
        ViewState state = new ViewState(v, ViewState.Sort.INDEX, selectedGpu, false, false, false);
        PrintWriter out = spec.commandLine().getOut();
        out.print(Screen.render(data, History.empty().with(data), state,
                new Screen.Context(feed.describe(), ascii ? Screen.Glyphs.ASCII : Screen.Glyphs.UNICODE),
                width, height).text());
        out.flush();
        return ExitStatus.OK.code();
    }

    private AgentConfig loadConfig() {
        if (config != null) {
            return ConfigLoader.load(config);
        }
        if (nvmlOptions.simulate != null && nvmlOptions.simulate.isEmpty()) {
            // The shipped demo: its Llama-3-8B workload at the fixed rate behind MFU 40 % (DemoCommand).
            return ConfigLoader.parse("flopwatch top --simulate",
                    DemoCommand.demoConfig(ConfigLoader.DEFAULT_PORT, "1s", "human"));
        }
        if (Files.isReadable(RunCommand.DEFAULT_CONFIG)) {
            return ConfigLoader.load(RunCommand.DEFAULT_CONFIG);
        }
        return ConfigLoader.defaults();
    }

    /** The daemon when it answers (never with --simulate), else a sampler of top's own. */
    private SnapshotFeed openFeed(AgentConfig c) throws InterruptedException {
        String why;
        if (nvmlOptions.simulate == null && nvmlOptions.nvmlLibrary == null) {
            URI target = url != null ? url : defaultUrl(c.web());
            SnapshotFeed.Daemon daemon = new SnapshotFeed.Daemon(target,
                    Optional.ofNullable(System.getenv("FLOPWATCH_TOP_AUTH")));
            try {
                daemon.latest();
                return daemon;
            } catch (SnapshotFeed.Daemon.Unauthorized e) {
                throw new InputError("--url", 0, 0, null, e.getMessage());
            } catch (IOException e) {
                why = "no daemon at " + target.getAuthority();
            }
        } else {
            why = nvmlOptions.simulate != null ? "simulated" : "--nvml-library";
        }
        NvmlOpener opener;
        if (nvmlOptions.simulate != null || nvmlOptions.nvmlLibrary != null) {
            // One source for every GPU's session: the demo scenario is copied out of the jar once.
            io.flopwatch.nvml.NvmlSource source = nvmlOptions.source();
            opener = () -> NvmlOptions.open(source);
        } else {
            opener = RunCommand.opener(c);
        }
        Ticker ticker = Ticker.system();
        LiveAnalyzer analyzer = new LiveAnalyzer(c, GpuCatalog.load(c.analysis().gpuCatalog()), ticker);
        AgentConfig.Sampling s = c.sampling();
        Sampler sampler = new Sampler(opener, Collectors.builtIn(s.collectors()), false, s.interval(), s.deadline(),
                ticker, analyzer);
        if (once) {
            firstFullSnapshot(sampler);
        } else {
            sampler.start();
        }
        return new SnapshotFeed.Local(sampler, analyzer::close, "own sampler: " + why);
    }

    /** How long --once waits for every GPU to answer with GPM rates before it prints what it has. */
    static final Duration ONCE_LIMIT = Duration.ofSeconds(15);

    /**
     * Cycles until every GPU answered with GPM rates (they need two samples at least 100 ms
     * apart; the first cycle also starts each GPU's worker, which may miss its deadline), bounded
     * by {@link #ONCE_LIMIT}.
     */
    private static void firstFullSnapshot(Sampler sampler) throws InterruptedException {
        long end = System.nanoTime() + ONCE_LIMIT.toNanos();
        var s = sampler.cycle();
        int cyclesAllUp = 0;
        while (System.nanoTime() < end && s.nvmlUp()) {
            boolean allUp = !s.gpus().isEmpty() && s.gpus().stream().allMatch(g -> g.up());
            boolean gpmReady = s.gpus().stream().noneMatch(g -> g.gpm().isEmpty());
            // A GPU without GPM (before Hopper) never gets rates: two cycles with all up are enough.
            if (allUp && (gpmReady || cyclesAllUp >= 2)) {
                return;
            }
            cyclesAllUp += allUp ? 1 : 0;
            Thread.sleep(Math.max(ConfigLoader.MIN_GPM_INTERVAL.toMillis(), 200));
            s = sampler.cycle();
        }
    }

    /** Library diagnostics go to stderr; on the live screen they would tear it, so only the frame speaks. */
    private void quietLogs() {
        org.slf4j.Logger root = org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root instanceof ch.qos.logback.classic.Logger logback) {
            logback.setLevel(once ? ch.qos.logback.classic.Level.WARN : ch.qos.logback.classic.Level.OFF);
        }
    }

    static URI defaultUrl(AgentConfig.Web web) {
        String host = web.host().equals("0.0.0.0") || web.host().equals("::") ? "127.0.0.1" : web.host();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create((web.tlsCertFile().isPresent() ? "https" : "http") + "://" + host + ":" + web.port()
                + MetricsServer.SNAPSHOT_PATH);
    }

    /** "500ms", "1s", "1.5s"; at least 100 ms, the shortest GPM interval. */
    static Duration parseInterval(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s)").matcher(text.trim());
        if (!m.matches()) {
            throw new InputError("--interval", 0, 0, null, "expected a duration like 500ms or 2s, got '" + text + "'");
        }
        double millis = Double.parseDouble(m.group(1)) * (m.group(2).equals("s") ? 1000 : 1);
        if (millis < ConfigLoader.MIN_GPM_INTERVAL.toMillis()) {
            throw new InputError("--interval", 0, 0, null, "must be at least "
                    + ConfigLoader.MIN_GPM_INTERVAL.toMillis() + "ms, got " + text);
        }
        return Duration.ofMillis(Math.round(millis));
    }
}
