package io.flopwatch.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.flopwatch.attribution.Attributor;
import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.daemon.LiveAnalyzer;
import io.flopwatch.export.LogLines;
import io.flopwatch.export.ReadingJson;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.nvml.NvmlSession;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.NodeReader;
import io.flopwatch.telemetry.NodeReading;
import io.flopwatch.telemetry.Snapshot;
import io.flopwatch.telemetry.Ticker;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code flopwatch snapshot}: read every GPU once and print it. */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = "Read every GPU once and print every reading, as a table or as JSON.")
final class SnapshotCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    NvmlOptions nvmlOptions = new NvmlOptions();

    @Option(names = "--json", description = "Print one JSON document (field names carry their units).")
    boolean json;

    @Option(names = "--gpm-interval", paramLabel = "MILLIS", defaultValue = "200",
            description = "Interval between the two GPM samples behind tensor / SM / DRAM activity, ms "
                    + "(at least 100; default ${DEFAULT-VALUE}).")
    long gpmIntervalMillis;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Agent config whose workloads (with a fixed throughput) and default precision the analysis uses.")
    Path config;

    @Override
    public Integer call() throws Exception {
        AgentConfig agentConfig = config == null
                ? ConfigLoader.defaults() : ConfigLoader.load(config);
        if (gpmIntervalMillis < NodeReader.MIN_GPM_INTERVAL.toMillis()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--gpm-interval must be at least " + NodeReader.MIN_GPM_INTERVAL.toMillis() + " ms");
        }
        NodeReading reading;
        SnapshotInterconnect links;
        try (NvmlSession nvml = NvmlOptions.open(nvmlOptions.source())) {
            // Interconnect counters are read on both sides of the reading, whose GPM interval gives
            // the NVLink and NIC rates their interval.
            links = SnapshotInterconnect.start(nvml, !nvml.simulated());
            reading = new NodeReader(nvml, Ticker.system(), d -> Thread.sleep(d.toMillis()))
                    .read(Duration.ofMillis(gpmIntervalMillis));
            links.finish(nvml);
        }
        Snapshot analyzed = analyze(reading, agentConfig, links);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            // Simulated GPUs list made-up PIDs: the host's /proc knows nothing about them.
            Attributor owners = reading.simulated() ? Attributor.nvmlOnly()
                    : new Attributor(agentConfig.attribution(), Ticker.system());
            var doc = new ReadingJson(mapper, owners).toJson(reading);
            doc.set("analysis", mapper.readTree(LogLines.json(analyzed)));
            out.println(mapper.writeValueAsString(doc));
        } else {
            SnapshotTable.print(reading, out);
            SnapshotTable.printAnalysis(analyzed, out);
        }
        out.flush();
        return ExitStatus.OK.code();
    }

    /** The live agent's analysis of one reading: the same functions, over a one-cycle snapshot. */
    static Snapshot analyze(NodeReading reading, AgentConfig config) {
        return analyze(reading, config, SnapshotInterconnect.NONE);
    }

    static Snapshot analyze(NodeReading reading, AgentConfig config, SnapshotInterconnect links) {
        Ticker ticker = Ticker.system();
        long now = ticker.nanoTime();
        List<GpuRecord> records = reading.devices().stream().map(d -> links.attach(GpuRecord.of(d, now))).toList();
        var analyzer = new LiveAnalyzer(config,
                GpuCatalog.load(config.analysis().gpuCatalog()), ticker);
        var result = analyzer.analyze(records, now);
        return new Snapshot(reading.takenAt(), now, true, "", reading.simulated(), Optional.of(reading.system()),
                records, result.gpus(), result.workloads(), Map.of(), links.nics());
    }
}
