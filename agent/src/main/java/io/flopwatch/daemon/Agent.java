package io.flopwatch.daemon;

import io.flopwatch.config.AgentConfig;
import io.flopwatch.export.LogWriter;
import io.flopwatch.export.MetricsServer;
import io.flopwatch.export.SnapshotMetrics;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.telemetry.Collectors;
import io.flopwatch.telemetry.NvmlOpener;
import io.flopwatch.telemetry.Sampler;
import io.flopwatch.telemetry.Snapshot;
import io.flopwatch.telemetry.Ticker;
import io.flopwatch.telemetry.interconnect.NicMonitor;
import io.micrometer.core.instrument.Clock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.registry.otlp.OtlpConfig;
import io.micrometer.registry.otlp.OtlpMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
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
    private final SnapshotMetrics metrics;
    private final MetricsServer server;
    private final OtlpMeterRegistry otlp;
    private final boolean servesMetrics;
    private final LiveAnalyzer analyzer;

    public Agent(AgentConfig config, NvmlOpener opener, Ticker ticker, PrintWriter logOut, String version)
            throws IOException {
        GpuCatalog catalog = GpuCatalog.load(config.analysis().gpuCatalog());
        analyzer = new LiveAnalyzer(config, catalog, ticker);
        AgentConfig.Sampling s = config.sampling();
        sampler = new Sampler(opener, Collectors.builtIn(s.collectors()), s.collectors().contains(Collectors.XID),
                s.interval(), s.deadline(), ticker, analyzer);
        // Simulated GPUs have no place in this host's PCIe tree: pairing them with its real NICs would mislead.
        if (s.collectors().contains(Collectors.INFINIBAND) && s.simulate().isEmpty()) {
            sampler.readNics(NicMonitor.system(ticker));
        }
        prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics = new SnapshotMetrics(prometheus, sampler::latest, ticker, version);
        sampler.addListener(metrics::sync);
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
            sampler.addListener(otlpMetrics::sync);
        } else {
            otlp = null;
        }
        if (config.exporters().log().enabled()) {
            sampler.addListener(new LogWriter(config.exporters().log(), logOut));
        }
        servesMetrics = config.exporters().prometheus();
        server = config.exporters().prometheus() || config.push().enabled()
                ? new MetricsServer(config.web(), config.push(), config.exporters().prometheus(), prometheus,
                        analyzer.pushSources(), ticker) : null;
    }

    public void start() {
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
    public Optional<String> metricsUrl() {
        return server == null || !servesMetrics ? Optional.empty() : Optional.of(server.url());
    }

    /** The Prometheus text of the current snapshot (what /metrics answers). */
    public String scrape() {
        return prometheus.scrape();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        if (otlp != null) {
            otlp.close();
        }
        sampler.close(Duration.ofSeconds(2));
        analyzer.close();
        prometheus.close();
        LOG.debug("agent stopped");
    }
}
