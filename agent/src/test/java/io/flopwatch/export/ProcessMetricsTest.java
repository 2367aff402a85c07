package io.flopwatch.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.attribution.AttributedProcess;
import io.flopwatch.attribution.Attributor;
import io.flopwatch.attribution.GpuAttribution;
import io.flopwatch.attribution.ProcessOwner;
import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.daemon.LiveAnalyzer;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.nvml.GpuArchitecture;
import io.flopwatch.nvml.GpuIdentity;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.nvml.jna.SimulatorControl;
import io.flopwatch.telemetry.Collectors;
import io.flopwatch.telemetry.FakeTicker;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.Sampler;
import io.flopwatch.telemetry.Snapshot;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-process and per-job series: labels, the cap's count, removal of exited processes, job sums. */
class ProcessMetricsTest {
    static final String CONTAINER = "4c8d2b0f7e6a5d4c3b2a19087f6e5d4c3b2a1908f7e6d5c4b3a2918076f5e4d3";

    @TempDir
    Path dir;

    @AfterEach
    void runClock() {
        SimulatorControl.runClock();
    }

    static GpuRecord gpu(int index, GpuAttribution a) {
        GpuIdentity id = new GpuIdentity(index, "GPU-" + index, "NVIDIA H100 80GB HBM3", Optional.empty(),
                "00000000:1" + index + ":00.0", 0x233010DEL, 0, GpuArchitecture.HOPPER, OptionalLong.empty(),
                OptionalInt.of(9), OptionalInt.of(0), OptionalInt.empty(), OptionalInt.empty(), OptionalLong.empty(),
                OptionalInt.empty(), OptionalInt.empty(), OptionalLong.empty(), false);
        return new GpuRecord.Builder(index).identity(id).attribution(a).build(0, true, "", Map.of());
    }

    static AttributedProcess proc(long pid, long bytes, String slurmJob, String pod) {
        return new AttributedProcess(pid, OptionalLong.of(bytes), OptionalDouble.of(0.5), OptionalDouble.empty(),
                OptionalInt.empty(), new ProcessOwner("python3 train.py", "alice", "", "", "",
                        pod.isEmpty() ? "" : "ml", pod, "", slurmJob));
    }

    static Snapshot snapshot(GpuRecord... gpus) {
        return new Snapshot(Instant.EPOCH, 0, true, "", false, Optional.empty(), List.of(gpus), List.of(), List.of(),
                Map.of());
    }

    @Test
    void exitedProcessesLoseTheirSeriesAndJobsAreSummed() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        AtomicReference<Snapshot> latest = new AtomicReference<>();
        ProcessMetrics m = new ProcessMetrics(registry, latest::get);
        latest.set(snapshot(
                gpu(0, new GpuAttribution(List.of(proc(100, 40L << 30, "4242", ""), proc(101, 2L << 30, "", "trainer-0")),
                        3, List.of("777"))),
                gpu(1, new GpuAttribution(List.of(proc(200, 30L << 30, "4242", "")), 0, List.of()))));
        m.sync(latest.get());
        String text = registry.scrape();
        assertTrue(text.contains("flopwatch_process_gpu_memory_bytes{command=\"python3 train.py\",container_id=\"\","
                + "gpu=\"0\",hpc_job=\"777\",k8s_container=\"\",k8s_namespace=\"\",k8s_pod=\"\",k8s_pod_uid=\"\","
                + "pid=\"100\",slurm_job=\"4242\",user=\"alice\",uuid=\"GPU-0\"} 4.294967296E10"), text);
        assertTrue(text.contains("flopwatch_process_sm_utilization_ratio{") && text.contains("} 0.5"), text);
        assertTrue(text.contains("flopwatch_gpu_processes_omitted{gpu=\"0\",uuid=\"GPU-0\"} 3.0"), text);
        assertTrue(text.contains("flopwatch_gpu_hpc_job{gpu=\"0\",hpc_job=\"777\",uuid=\"GPU-0\"} 1.0"), text);
        // Slurm job 4242: 40 GiB on GPU 0 + 30 GiB on GPU 1
        assertTrue(text.contains("flopwatch_job_gpu_memory_bytes{job=\"4242\",scheduler=\"slurm\"} " + (double) (70L << 30)), text);
        assertTrue(text.contains("flopwatch_job_gpus{job=\"4242\",scheduler=\"slurm\"} 2.0"), text);
        assertTrue(text.contains("flopwatch_job_gpus{job=\"ml/trainer-0\",scheduler=\"kubernetes\"} 1.0"), text);
        // the hpc job: both processes of GPU 0
        assertTrue(text.contains("flopwatch_job_gpu_memory_bytes{job=\"777\",scheduler=\"hpc\"} " + (double) (42L << 30)), text);

        // PID 100 exits, the pod goes, the mapping file is removed
        latest.set(snapshot(gpu(0, new GpuAttribution(List.of(), 0, List.of())),
                gpu(1, new GpuAttribution(List.of(proc(200, 30L << 30, "4242", "")), 0, List.of()))));
        m.sync(latest.get());
        text = registry.scrape();
        assertFalse(text.contains("pid=\"100\""), text);
        assertFalse(text.contains("pid=\"101\""), text);
        assertFalse(text.contains("hpc_job=\"777\""), text);
        assertFalse(text.contains("trainer-0"), text);
        assertTrue(text.contains("pid=\"200\""), text);
        assertTrue(text.contains("flopwatch_job_gpus{job=\"4242\",scheduler=\"slurm\"} 1.0"), text);
    }

    @Test
    void aChangedAttributionReplacesTheSeries() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        AtomicReference<Snapshot> latest = new AtomicReference<>();
        ProcessMetrics m = new ProcessMetrics(registry, latest::get);
        latest.set(snapshot(gpu(0, new GpuAttribution(List.of(proc(100, 1, "", "")), 0, List.of()))));
        m.sync(latest.get());
        latest.set(snapshot(gpu(0, new GpuAttribution(List.of(proc(100, 1, "", "trainer-0")), 0, List.of()))));
        m.sync(latest.get());
        String text = registry.scrape();
        assertEquals(1, text.lines().filter(l -> l.startsWith("flopwatch_process_gpu_memory_bytes{")).count(), text);
        assertTrue(text.contains("k8s_pod=\"trainer-0\""), text);
    }

    /** End to end: the simulated NVML lists PID 4242; the fixture /proc says it is a Slurm job's. */
    @Test
    void simulatedGpuProcessAttributedThroughTheSampler() throws Exception {
        Path scenario = fixture();
        AgentConfig config = ConfigLoader.parse("test", """
                sampling:
                  collectors: [device, processes]
                attribution:
                  proc_root: %s
                  passwd_file: %s
                  max_processes_per_gpu: 1
                """.formatted(dir.resolve("proc"), dir.resolve("passwd")));
        SimulatorControl.freezeClockAt(5);
        FakeTicker ticker = new FakeTicker();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (Sampler sampler = new Sampler(NvmlSource.simulated(scenario)::open,
                Collectors.builtIn(config.sampling().collectors(), new Attributor(config.attribution(), ticker)),
                Duration.ofSeconds(1), Duration.ofSeconds(30), ticker,
                new LiveAnalyzer(config, GpuCatalog.load(Optional.empty()), ticker))) {
            SnapshotMetrics metrics = new SnapshotMetrics(registry, sampler::latest, ticker, "test");
            sampler.addListener(metrics::sync);
            sampler.cycle();
            GpuAttribution a = sampler.latest().gpus().get(0).attribution();
            assertEquals(1, a.processes().size(), "capped at 1");
            assertEquals(1, a.omittedProcesses());
            AttributedProcess p = a.processes().get(0);
            assertEquals(4242, p.pid(), "the larger one kept");
            assertEquals(OptionalDouble.of(0.95), p.smUtilizationRatio(), "scenario sm=95");
            assertEquals(new ProcessOwner("python3 train.py", "alice", "", "", "", "", "", "", "4242"), p.owner());
            String text = registry.scrape();
            assertTrue(text.contains("slurm_job=\"4242\",user=\"alice\""), text);
            assertTrue(text.contains("flopwatch_process_sm_utilization_ratio{"), text);
            String line = LogLines.json(sampler.latest());
            assertTrue(line.contains("\"processes\":[{\"pid\":4242,\"used_gpu_memory_bytes\":73014444032,"
                    + "\"sm_utilization_ratio\":0.95,\"command\":\"python3 train.py\",\"user\":\"alice\""), line);
            assertTrue(line.contains("\"processes_omitted\":1"), line);

            // The next cycle asks NVML only for samples newer than the last one seen: none while
            // the simulated clock stands still (unknown, not 0), one again once it moves on.
            ticker.advance(Duration.ofSeconds(1));
            sampler.cycle();
            assertEquals(OptionalDouble.empty(),
                    sampler.latest().gpus().get(0).attribution().processes().get(0).smUtilizationRatio());
            SimulatorControl.freezeClockAt(6);
            ticker.advance(Duration.ofSeconds(1));
            sampler.cycle();
            assertEquals(OptionalDouble.of(0.95),
                    sampler.latest().gpus().get(0).attribution().processes().get(0).smUtilizationRatio());
        }
    }

    /** flopwatch snapshot --json: each process with its owner, each GPU with its HPC jobs. */
    @Test
    void snapshotJsonCarriesOwners() throws Exception {
        Path scenario = fixture();
        Files.writeString(Files.createDirectories(dir.resolve("jobmap")).resolve("0"), "4242\n");
        AgentConfig.Attribution settings = new AgentConfig.Attribution(true, dir.resolve("proc"),
                Optional.of(dir.resolve("passwd")), Optional.empty(), Optional.empty(),
                Optional.of(dir.resolve("jobmap")), 16, 64, true);
        SimulatorControl.freezeClockAt(5);
        try (var nvml = NvmlSource.simulated(scenario).open()) {
            var reading = new io.flopwatch.telemetry.NodeReader(nvml, new FakeTicker(), d -> { })
                    .read(Duration.ofMillis(100));
            var doc = new ReadingJson(new com.fasterxml.jackson.databind.ObjectMapper(),
                    new Attributor(settings, new FakeTicker())).toJson(reading);
            var dev = doc.get("devices").get(0);
            assertEquals("4242", dev.get("hpc_jobs").get(0).asText());
            var p0 = dev.get("processes").get(0);
            assertEquals(4242, p0.get("pid").asLong());
            assertEquals("alice", p0.get("user").asText());
            assertEquals("4242", p0.get("slurm_job").asText());
            assertTrue(p0.get("k8s_pod").isNull());
            assertTrue(dev.get("processes").get(1).get("command").isNull(), "PID 4243 is not in the fixture /proc");
        }
    }

    private Path fixture() throws Exception {
        Path scenario = dir.resolve("procs.scenario");
        Files.writeString(scenario, """
                device
                name NVIDIA H100 80GB HBM3 (Simulated)
                uuid GPU-90de0000-0000-4000-8000-000000000000
                pci_bus_id 00000000:18:00.0
                architecture hopper
                memory_total_bytes 80GiB
                process 4242 used_bytes=68GiB sm=95
                process 4243 used_bytes=1GiB sm=1
                """);
        Path proc = Files.createDirectories(dir.resolve("proc/4242"));
        Files.writeString(proc.resolve("stat"), "4242 (python3) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 12345 0 0");
        Files.writeString(proc.resolve("status"), "Uid:\t1001\t1001\t1001\t1001\n");
        Files.writeString(proc.resolve("cmdline"), "python3\0train.py\0");
        Files.writeString(proc.resolve("cgroup"), "0::/system.slice/slurmstepd.scope/job_4242/step_0/user/task_0\n");
        Files.writeString(dir.resolve("passwd"), "alice:x:1001:100::/home/alice:/bin/sh\n");
        return scenario;
    }
}
