package io.flopwatch.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.config.AgentConfig;
import io.flopwatch.nvml.GpuProcess;
import io.flopwatch.nvml.ProcessUtilization;
import io.flopwatch.telemetry.FakeTicker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A fixture host: /proc, /etc/passwd, the kubelet's log directories and an HPC job mapping. */
class AttributorTest {
    static final String ID = CgroupPathsTest.ID;
    static final String UID = CgroupPathsTest.UID;
    static final String UID_ = CgroupPathsTest.UID_;

    @TempDir
    Path host;
    Path proc;
    FakeTicker ticker = new FakeTicker();

    @BeforeEach
    void host() throws IOException {
        proc = Files.createDirectories(host.resolve("proc"));
        Files.writeString(Files.createDirectories(host.resolve("etc")).resolve("passwd"),
                "root:x:0:0:root:/root:/bin/bash\nalice:x:1001:100::/home/alice:/bin/bash\n");
        Files.createDirectories(host.resolve("var/log/pods/ml-team_trainer-0_" + UID));
        Path containers = Files.createDirectories(host.resolve("var/log/containers"));
        Files.createFile(containers.resolve("trainer-0_ml-team_pytorch-" + ID + ".log"));
        Files.writeString(Files.createDirectories(host.resolve("run/dcgm-job-map")).resolve("0"), "777\n");
        // a pod's process (cgroup v2, systemd driver, containerd), run as root in the container
        process(100, 5000, 0, "python3\0train.py\0", "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
                + UID_ + ".slice/cri-containerd-" + ID + ".scope\n", "");
        // a Slurm step (cgroup/v1 path)
        process(200, 6000, 1001, "/opt/venv/bin/python\0-m\0torch.distributed.run\0", "4:memory:/slurm/uid_1001/job_4242/step_0/task_0\n", "");
        // a Slurm job without the cgroup plugin: only the environment says
        process(300, 7000, 1001, "/usr/bin/nbody\0", "0::/user.slice/user-1001.slice/session-4.scope\n",
                "HOME=/home/alice\0SLURM_JOB_ID=4243\0");
        // a user without a passwd entry
        process(400, 8000, 4321, "", "0::/\n", "");
        Files.writeString(proc.resolve("400/comm"), "kworker-ish\n");
    }

    private void process(long pid, long start, long uid, String cmdline, String cgroup, String environ) throws IOException {
        Path d = Files.createDirectories(proc.resolve(Long.toString(pid)));
        Files.writeString(d.resolve("stat"), pid + " (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 " + start + " 0 0");
        Files.writeString(d.resolve("status"), "Name:\tx\nUid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid + "\n");
        Files.write(d.resolve("cmdline"), cmdline.getBytes(StandardCharsets.UTF_8));
        Files.writeString(d.resolve("cgroup"), cgroup);
        Files.write(d.resolve("environ"), environ.getBytes(StandardCharsets.UTF_8));
    }

    private Attributor attributor(int maxPerGpu) {
        return new Attributor(new AgentConfig.Attribution(true, proc, Optional.of(host.resolve("etc/passwd")),
                Optional.of(host.resolve("var/log/pods")), Optional.of(host.resolve("var/log/containers")),
                Optional.of(host.resolve("run/dcgm-job-map")), maxPerGpu, 64, true), ticker);
    }

    private static GpuProcess gpu(long pid, long bytes) {
        return new GpuProcess(pid, OptionalLong.of(bytes), OptionalInt.empty(), OptionalInt.empty());
    }

    @Test
    void eachFormAttributed() {
        Attributor a = attributor(16);
        assertEquals(new ProcessOwner("python3 train.py", "root", ID, "containerd", UID, "ml-team", "trainer-0",
                "pytorch", ""), a.owner(100));
        assertEquals(new ProcessOwner("python -m torch.distributed.run", "alice", "", "", "", "", "", "", "4242"),
                a.owner(200));
        assertEquals("4243", a.owner(300).slurmJob(), "SLURM_JOB_ID from the environment");
        ProcessOwner unnamed = a.owner(400);
        assertEquals("4321", unnamed.user(), "no passwd entry: the number");
        assertEquals("kworker-ish", unnamed.command(), "empty cmdline: comm");
        assertEquals(ProcessOwner.UNKNOWN, a.owner(999), "gone");
    }

    @Test
    void capKeepsTheLargestAndCountsTheRest() {
        GpuAttribution g = attributor(2).attribute(0,
                List.of(gpu(300, 1L << 30), gpu(100, 40L << 30), gpu(200, 8L << 30)), List.of());
        assertEquals(List.of(100L, 200L), g.processes().stream().map(AttributedProcess::pid).toList());
        assertEquals(1, g.omittedProcesses());
        assertEquals(List.of("777"), g.hpcJobs());
        assertEquals(List.of(), attributor(2).attribute(1, List.of(), List.of()).hpcJobs(), "no file for GPU 1");
    }

    @Test
    void newestUtilizationSampleCounts() {
        GpuAttribution g = attributor(16).attribute(0, List.of(gpu(100, 1), gpu(200, 1)), List.of(
                new ProcessUtilization(100, 1_000, 30, 5, 0, 0), new ProcessUtilization(100, 2_000, 85, 20, 0, 0)));
        assertEquals(OptionalDouble.of(0.85), g.processes().get(0).smUtilizationRatio());
        assertEquals(OptionalDouble.of(0.20), g.processes().get(0).memoryUtilizationRatio());
        assertEquals(OptionalDouble.empty(), g.processes().get(1).smUtilizationRatio(), "no sample: unknown, not 0");
    }

    @Test
    void reusedPidIsReadAgainAndOldEntriesForgotten() throws IOException {
        Attributor a = attributor(16);
        assertEquals("python3 train.py", a.owner(100).command());
        process(100, 9999, 1001, "bash\0", "0::/\n", "");
        assertEquals("bash", a.owner(100).command(), "new start time: another process");
        a.owner(200);
        assertEquals(2, a.cachedProcesses());
        ticker.advance(Attributor.FORGET_AFTER.plus(Duration.ofSeconds(1)));
        a.attribute(0, List.of(), List.of());
        assertEquals(0, a.cachedProcesses(), "not on a GPU for " + Attributor.FORGET_AFTER + ": dropped");
    }

    /** The real /proc of the machine running the tests: this JVM attributes itself. */
    @Test
    void thisJvmFromTheRealProc() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "no /proc here");
        Attributor a = new Attributor(AgentConfig.Attribution.DEFAULTS, ticker);
        ProcessOwner me = a.owner(ProcessHandle.current().pid());
        assertTrue(me.command().startsWith("java"), me.toString());
        assertTrue(me.user().equals(System.getProperty("user.name")) || me.user().matches("\\d+"),
                "the passwd name, or the uid where /etc/passwd has none: " + me);
    }

    @Test
    void offReadsNothing() {
        GpuAttribution g = Attributor.nvmlOnly().attribute(0, List.of(gpu(100, 1)), List.of());
        assertEquals(ProcessOwner.UNKNOWN, g.processes().get(0).owner());
        assertTrue(g.hpcJobs().isEmpty());
    }
}
