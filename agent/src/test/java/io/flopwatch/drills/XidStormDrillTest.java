package io.flopwatch.drills;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.telemetry.Collectors;
import io.flopwatch.telemetry.Sampler;
import io.flopwatch.telemetry.Snapshot;
import io.flopwatch.telemetry.Ticker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Fault drill (issue 8; docs/RELIABILITY.md): an Xid storm of 20,000 events on one GPU
 * (simulated: xid_storm, docs/simulator.md) is counted in full and logged in a line or two.
 */
class XidStormDrillTest {
    static final long EVENTS = 20_000;

    @Test
    void anXidStormIsCountedNotLoggedLineByLine(@TempDir Path dir) throws Exception {
        Path scenario = dir.resolve("storm.scenario");
        Files.writeString(scenario, """
                device
                name NVIDIA H100 80GB HBM3 (Simulated)
                uuid GPU-57020000-0000-4000-8000-000000000000
                pci_bus_id 00000000:18:00.0
                architecture hopper
                memory_total_bytes 80GiB
                xid_storm 0 %d 0.00001 79
                """.formatted(EVENTS));
        Logger xidLog = (Logger) LoggerFactory.getLogger("io.flopwatch.telemetry.XidWatcher");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        xidLog.addAppender(lines);
        Sampler sampler = new Sampler(NvmlSource.simulated(scenario)::open, Collectors.builtIn(Set.of("device")), true,
                Duration.ofMillis(200), Duration.ofSeconds(5), Ticker.system(), (gpus, now) -> new io.flopwatch.telemetry
                .Analyzer.Result(List.of(), List.of()));
        try {
            long giveUp = System.nanoTime() + Duration.ofSeconds(120).toNanos(); // liveness bound only
            long seen = 0;
            while (System.nanoTime() < giveUp) {
                Snapshot s = sampler.cycle();
                assertTrue(s.nvmlUp(), s.nvmlReason());
                seen = s.gpus().isEmpty() ? 0 : s.gpus().get(0).xidErrors();
                if (seen == EVENTS) {
                    break;
                }
                Thread.sleep(100);
            }
            assertEquals(EVENTS, seen, "every Xid event is counted");
            long xidLines = lines.list.stream().filter(e -> e.getFormattedMessage().contains("Xid")).count();
            assertTrue(xidLines <= 2, "at most the first event and one summary are logged, not "
                    + xidLines + " lines");
        } finally {
            xidLog.detachAppender(lines);
            sampler.close();
        }
    }
}
