package io.flopwatch.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.attribution.AttributedProcess;
import io.flopwatch.attribution.GpuAttribution;
import io.flopwatch.attribution.ProcessOwner;
import io.flopwatch.nvml.GpuArchitecture;
import io.flopwatch.nvml.GpuIdentity;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.Snapshot;
import io.flopwatch.telemetry.interconnect.GpuInterconnect;
import io.flopwatch.telemetry.interconnect.PciTopology;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The exporters skip adding and removing meters when the facts that decide them (their shape)
 * did not change since the last sync. These tests pin what the skip must keep: values that
 * changed under an unchanged shape still show (the meters read the latest snapshot), and a change
 * of shape after skipped syncs still adds and removes series.
 */
class MeterShapeTest {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicReference<Snapshot> latest = new AtomicReference<>();

    private static GpuIdentity identity(int index) {
        return new GpuIdentity(index, "GPU-" + index, "NVIDIA H100 80GB HBM3", Optional.empty(),
                "00000000:1" + index + ":00.0", 0x233010DEL, 0, GpuArchitecture.HOPPER, OptionalLong.empty(),
                OptionalInt.of(9), OptionalInt.of(0), OptionalInt.empty(), OptionalInt.empty(), OptionalLong.empty(),
                OptionalInt.empty(), OptionalInt.empty(), OptionalLong.empty(), false);
    }

    private static AttributedProcess proc(long pid, long bytes, String slurmJob) {
        return new AttributedProcess(pid, OptionalLong.of(bytes), OptionalDouble.of(0.5), OptionalDouble.empty(),
                OptionalInt.empty(), new ProcessOwner("python3 train.py", "alice", "", "", "", "", "", "", slurmJob));
    }

    private void publish(GpuRecord... gpus) {
        latest.set(new Snapshot(Instant.EPOCH, 0, true, "", false, Optional.empty(), List.of(gpus), List.of(),
                List.of(), Map.of()));
    }

    private static GpuRecord withProcesses(AttributedProcess... ps) {
        return new GpuRecord.Builder(0).identity(identity(0))
                .attribution(new GpuAttribution(List.of(ps), 0, List.of())).build(0, true, "", Map.of());
    }

    private Gauge processMemory(long pid) {
        return registry.find("flopwatch.process.gpu.memory").tag("pid", Long.toString(pid)).gauge();
    }

    @Test
    void processMetersStayWhileTheirValuesMoveAndGoWithTheProcess() {
        ProcessMetrics m = new ProcessMetrics(registry, latest::get);
        publish(withProcesses(proc(100, 1L << 30, "4242")));
        m.sync(latest.get());
        Gauge first = processMemory(100);
        assertEquals(1L << 30, first.value());

        // Same process and owner, more memory: the same meter, the new value, the new job sum.
        publish(withProcesses(proc(100, 5L << 30, "4242")));
        m.sync(latest.get());
        assertSame(first, processMemory(100));
        assertEquals(5L << 30, processMemory(100).value());
        assertEquals(5L << 30, registry.find("flopwatch.job.gpu.memory").tag("job", "4242").gauge().value());

        // PID 100 exits after the skipped sync, PID 101 starts: the old series goes, the new one comes.
        publish(withProcesses(proc(101, 2L << 30, "4243")));
        m.sync(latest.get());
        assertNull(processMemory(100));
        assertEquals(2L << 30, processMemory(101).value());
        assertNull(registry.find("flopwatch.job.gpu.memory").tag("job", "4242").gauge());
        assertEquals(2L << 30, registry.find("flopwatch.job.gpu.memory").tag("job", "4243").gauge().value());

        // The same PID with a new owner (its job became known): the series is replaced, not kept.
        Gauge before = processMemory(101);
        publish(withProcesses(proc(101, 2L << 30, "5000")));
        m.sync(latest.get());
        assertNotSame(before, processMemory(101));
        assertEquals(1, registry.find("flopwatch.process.gpu.memory").gauges().size());
        assertTrue(registry.scrape().contains("slurm_job=\"5000\""));
    }

    private static GpuRecord withLinks(List<Boolean> links, Map<String, Long> errors, double nicUtilization) {
        GpuInterconnect ic = new GpuInterconnect(links, List.of(), errors, OptionalLong.of(0),
                Optional.of(new GpuInterconnect.NearestNic("mlx5_0", 1, PciTopology.Closeness.PIX,
                        OptionalDouble.of(nicUtilization))));
        return new GpuRecord.Builder(0).identity(identity(0)).interconnect(ic).build(0, true, "", Map.of());
    }

    private Gauge linkUp(int link) {
        return registry.find("flopwatch.gpu.nvlink.link.up").tag("link", Integer.toString(link)).gauge();
    }

    @Test
    void nvlinkMetersFollowTheLinksAfterUnchangedCycles() {
        InterconnectMetrics m = new InterconnectMetrics(registry, latest::get);
        publish(withLinks(List.of(true, true), Map.of("nvlink_replay_errors", 1L), 0.1));
        m.sync(latest.get());
        Gauge link1 = linkUp(1);
        assertEquals(1.0, link1.value());

        // Link 1 went inactive (state, not count), errors rose, the NIC got busier: same meters, new values.
        publish(withLinks(List.of(true, false), Map.of("nvlink_replay_errors", 7L), 0.9));
        m.sync(latest.get());
        assertSame(link1, linkUp(1));
        assertEquals(0.0, linkUp(1).value());
        assertTrue(registry.scrape().contains("flopwatch_gpu_nvlink_errors_total{counter=\"replay\",gpu=\"0\","
                + "model=\"NVIDIA H100 80GB HBM3\",uuid=\"GPU-0\"} 7.0"), registry.scrape());

        // The GPU now reports one link and no error counters: link 1's and the counter's series go.
        publish(withLinks(List.of(true), Map.of(), 0.9));
        m.sync(latest.get());
        assertNull(linkUp(1));
        assertEquals(1.0, linkUp(0).value());
        assertFalse(registry.scrape().contains("flopwatch_gpu_nvlink_errors"), registry.scrape());
    }
}
