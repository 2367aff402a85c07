package io.flopwatch.daemon;

import io.flopwatch.attribution.Attributor;
import io.flopwatch.config.AgentConfig;
import io.flopwatch.cupti.Cupti;
import io.flopwatch.export.CuptiControl;
import io.flopwatch.export.Exposition;
import io.flopwatch.export.LogWriter;
import io.flopwatch.export.MetricsServer;
import io.flopwatch.export.SnapshotMetrics;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.telemetry.Collectors;
import io.flopwatch.telemetry.NvmlOpener;
import io.flopwatch.telemetry.Sampler;
import io.flopwatch.telemetry.Snapshot;
import io.flopwatch.telemetry.Ticker;
import io.flopwatch.telemetry.cupti.CuptiDevices;
import io.flopwatch.telemetry.cupti.CuptiMetricSets;
import io.flopwatch.telemetry.cupti.CuptiMode;
import io.flopwatch.telemetry.interconnect.NicMonitor;
import io.micrometer.core.instrument.Clock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.registry.otlp.OtlpConfig;
import io.micrometer.registry.otlp.OtlpMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live agent: sampler, analysis and exporters wired from an {@link AgentConfig}.
 * {@link #start()} starts the sampler and the HTTP server; {@link #close()} stops them in the
 * order that keeps native code safe: the HTTP server and exporters first (they read only
 * snapshots), then the sampler, which lets collections in flight finish before NVML closes.
 */
public final class Agent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

    private final Sampler sampler;
    private final PrometheusMeterRegistry prometheus;
    /** The meters computed at the scrape (the sample age), rendered on every scrape. */
    private final PrometheusMeterRegistry scrapeTime;
    /** /metrics: {@link #prometheus} rendered once per snapshot, joined to {@link #scrapeTime}. */
    private final Exposition exposition;
    private final SnapshotMetrics metrics;
    private final LiveAnalyzer analyzer;
    private final Ticker ticker;
    private final PrintWriter logOut;
    private final String version;
    // What a reload may replace (reload() and close() are synchronized):
    private AgentConfig config;
    private MetricsServer server;
    private boolean servesMetrics;
    private OtlpMeterRegistry otlp;
    private Consumer<Snapshot> otlpListener;
    private Consumer<Snapshot> logListener;
    /** CUPTI PM sampling per GPU; null with {@code cupti.mode: off}. */
    private final CuptiDevices cupti;

    public Agent(AgentConfig config, NvmlOpener opener, Ticker ticker, PrintWriter logOut, String version)
            throws IOException {
        this.config = config;
        this.ticker = ticker;
        this.logOut = logOut;
        this.version = version;
        GpuCatalog catalog = GpuCatalog.load(config.analysis().gpuCatalog());
        analyzer = new LiveAnalyzer(config, catalog, ticker);
        AgentConfig.Sampling s = config.sampling();
        // Simulated GPUs list made-up PIDs: the host's /proc knows nothing about them.
        AgentConfig.Attribution attribution = s.simulate().isPresent() ? config.attribution().withoutHost()
                : config.attribution();
        sampler = new Sampler(opener, Collectors.builtIn(s.collectors(), new Attributor(attribution, ticker)), s.collectors().contains(Collectors.XID),
                s.interval(), s.deadline(), ticker, analyzer);
        cupti = cuptiDevices(config, ticker);
        if (cupti != null) {
            sampler.setRecordSources(cupti::apply);
        }
        // Simulated GPUs have no place in this host's PCIe tree: pairing them with its real NICs would mislead.
        if (s.collectors().contains(Collectors.INFINIBAND) && s.simulate().isEmpty()) {
            sampler.readNics(NicMonitor.system(ticker));
        }
        prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        scrapeTime = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics = new SnapshotMetrics(prometheus, scrapeTime, sampler::latest, ticker, version);
        exposition = new Exposition(prometheus, scrapeTime,
                () -> new Exposition.Inputs(sampler.latest(), metrics.syncs()));
        sampler.addListener(metrics::sync);
        startOtlp(config);
        startLog(config);
        servesMetrics = config.exporters().prometheus();
        server = newServer(config);
    }

    private MetricsServer newServer(AgentConfig c) throws IOException {
        MetricsServer s = c.exporters().prometheus() || c.push().enabled()
                ? new MetricsServer(c.web(), c.push(), c.exporters().prometheus(), exposition,
                        analyzer::pushSources, ticker, sampler::latest) : null;
        if (s != null && cupti != null) {
            s.addLocalControl(CuptiControl.PATH, new CuptiControl(cupti, cupti.applyWithin()));
        }
        return s;
    }

    private void startLog(AgentConfig c) {
        if (c.exporters().log().enabled()) {
            logListener = new LogWriter(c.exporters().log(), logOut);
            sampler.addListener(logListener);
        }
    }

    private void startOtlp(AgentConfig config) {
        if (config.exporters().otlp().enabled()) {
            AgentConfig.Otlp o = config.exporters().otlp();
            OtlpConfig otlpConfig = new OtlpConfig() {
                @Override
                public String get(String key) {
                    return null;
                }

                @Override
                public String url() {
                    return o.url();
                }

                @Override
                public Duration step() {
                    return o.step();
                }

                @Override
                public Map<String, String> headers() {
                    return o.headers();
                }

                @Override
                public Map<String, String> resourceAttributes() {
                    return Map.of("service.name", "flopwatch", "service.version", version);
                }
            };
            otlp = new OtlpMeterRegistry(otlpConfig, Clock.SYSTEM);
            SnapshotMetrics otlpMetrics = new SnapshotMetrics(otlp, sampler::latest, ticker, version);
            otlpListener = otlpMetrics::sync;
            sampler.addListener(otlpListener);
        }
    }

    /** The CUPTI devices for {@code cupti.mode} auto or on; libraries are loaded only when a GPU needs them. */
    static CuptiDevices cuptiDevices(AgentConfig config, Ticker ticker) {
        AgentConfig.Cupti c = config.cupti();
        if (c.mode() == CuptiMode.OFF) {
            return null;
        }
        return new CuptiDevices(c.mode(), c.collectorSettings(), () -> Cupti.target(c.library(), c.cudaDriverLibrary()),
                CuptiMetricSets.builtIn(), ticker, line -> LOG.warn("{}", line),
                config.sampling().collectors().contains(Collectors.GPM), true);
    }

    /** Whether {@link #reload} can apply {@code next} to this agent (else it must be rebuilt). */
    public synchronized boolean reloadsInPlace(AgentConfig next) {
        AgentConfig.Sampling a = config.sampling();
        AgentConfig.Sampling b = next.sampling();
        // The collector set and the NVML library decide what each GPU's session does and which
        // library it is; changing them means reopening NVML, i.e. a new sampler. The CUPTI
        // settings likewise decide the per-GPU profiling sessions.
        return a.collectors().equals(b.collectors()) && a.nvmlLibrary().equals(b.nvmlLibrary())
                && a.simulate().equals(b.simulate())
                && config.cupti().equals(next.cupti()) // CUPTI sessions per GPU are set up with the agent
                && config.attribution().equals(next.attribution()); // read by the processes collector
    }

    /**
     * Applies a reloaded configuration without stopping sampling (docs/deploy-systemd.md, Reload):
     * the registry, the GPUs' NVML sessions and Xid counts, and every unchanged workload's
     * throughput source and rate windows carry on, so counters and tokens/s do not restart;
     * the interval and deadline change from the next cycle; exporters and the HTTP server are
     * rebuilt only when their own settings changed. Throws, changing nothing, when the new
     * workloads cannot be built; throws after applying everything else when the new HTTP settings
     * cannot be (a taken port). The caller checks {@link #reloadsInPlace} first.
     */
    public synchronized void reload(AgentConfig next) throws IOException {
        GpuCatalog catalog = GpuCatalog.load(next.analysis().gpuCatalog());
        Set<String> kept = analyzer.reconfigure(next, catalog);
        Set<String> names = new HashSet<>();
        next.workloads().forEach(w -> names.add(w.name()));
        for (AgentConfig.WorkloadConfig w : config.workloads()) {
            if (!kept.contains(w.name())) {
                // changed or removed: its series start again (or go) instead of mixing two configurations
                metrics.removeWorkload(w.name());
            }
        }
        sampler.retime(next.sampling().interval(), next.sampling().deadline());
        if (!next.exporters().log().equals(config.exporters().log())) {
            if (logListener != null) {
                sampler.removeListener(logListener);
                logListener = null;
            }
            startLog(next);
        }
        if (!next.exporters().otlp().equals(config.exporters().otlp())) {
            if (otlp != null) {
                sampler.removeListener(otlpListener);
                otlp.close();
                otlp = null;
                otlpListener = null;
            }
            startOtlp(next);
        }
        boolean serverChanged = !next.web().equals(config.web()) || !next.push().equals(config.push())
                || next.exporters().prometheus() != config.exporters().prometheus();
        if (serverChanged) {
            try {
                replaceServer(next);
            } catch (IOException | RuntimeException e) {
                // Everything else is in force already; only the HTTP settings stay as they were.
                config = new AgentConfig(config.web(), next.sampling(), next.analysis(), next.exporters(),
                        config.push(), next.workloads(), next.cupti(), next.attribution());
                throw new IOException("the new web/push settings could not be applied (the old ones stay; the rest "
                        + "of the new configuration is in force): " + e.getMessage(), e);
            }
        }
        config = next;
        LOG.info("configuration reloaded in place: {} workload(s), {} kept with their rate windows",
                names.size(), kept.size());
    }

    /**
     * A new HTTP server for changed web/push settings. On a new address it binds before the old
     * one closes, so a taken port leaves the old server serving; on the same address the old
     * one must close first, and if the new one then fails the old settings are bound again.
     */
    private void replaceServer(AgentConfig next) throws IOException {
        boolean sameAddress = next.web().host().equals(config.web().host()) && next.web().port() == config.web().port()
                && next.web().port() != 0;
        if (!sameAddress) {
            MetricsServer fresh = newServer(next);
            if (server != null) {
                server.close();
            }
            server = fresh;
        } else {
            if (server != null) {
                server.close();
            }
            try {
                server = newServer(next);
            } catch (IOException | RuntimeException e) {
                server = newServer(config);
                if (server != null) {
                    server.start();
                }
                throw e;
            }
        }
        servesMetrics = next.exporters().prometheus();
        if (server != null) {
            server.start();
        }
    }

    public synchronized void start() {
        if (server != null) {
            server.start();
        }
        sampler.start();
    }

    public Snapshot latest() {
        return sampler.latest();
    }

    public Sampler sampler() {
        return sampler;
    }

    /** The URL of /metrics, when the HTTP server is on. */
    public synchronized Optional<String> metricsUrl() {
        return server == null || !servesMetrics ? Optional.empty() : Optional.of(server.url());
    }

    /** The Prometheus text of the current snapshot (what /metrics answers). */
    public String scrape() {
        return exposition.scrape();
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.close();
        }
        if (otlp != null) {
            otlp.close();
        }
        sampler.close(Duration.ofSeconds(2));
        if (cupti != null) {
            cupti.close(); // after the sampler: no cycle merges any more; releases the counters
        }
        analyzer.close();
        prometheus.close();
        scrapeTime.close();
        LOG.debug("agent stopped");
    }
}
