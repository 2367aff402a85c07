package io.flopwatch.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.flopwatch.export.ReadingJson;
import io.flopwatch.nvml.NvmlSession;
import io.flopwatch.telemetry.NodeReader;
import io.flopwatch.telemetry.NodeReading;
import io.flopwatch.telemetry.Ticker;
import java.io.PrintWriter;
import java.time.Duration;
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

    @Override
    public Integer call() throws Exception {
        if (gpmIntervalMillis < NodeReader.MIN_GPM_INTERVAL.toMillis()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--gpm-interval must be at least " + NodeReader.MIN_GPM_INTERVAL.toMillis() + " ms");
        }
        NodeReading reading;
        try (NvmlSession nvml = NvmlOptions.open(nvmlOptions.source())) {
            reading = new NodeReader(nvml, Ticker.system(), d -> Thread.sleep(d.toMillis()))
                    .read(Duration.ofMillis(gpmIntervalMillis));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            out.println(mapper.writeValueAsString(new ReadingJson(mapper).toJson(reading)));
        } else {
            SnapshotTable.print(reading, out);
        }
        out.flush();
        return ExitStatus.OK.code();
    }
}
