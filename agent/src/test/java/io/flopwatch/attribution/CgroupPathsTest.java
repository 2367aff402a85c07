package io.flopwatch.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One row per cgroup path form. Sources of the forms:
 * <ul>
 * <li>kubelet QoS/pod hierarchy: Kubernetes design proposal "pod-resource-management" (node
 *     allocatable / QoS cgroups: {@code kubepods}, {@code kubepods/burstable},
 *     {@code kubepods/besteffort}, {@code pod<UID>}) and kubelet {@code cm/cgroup_manager_linux.go}
 *     (the systemd driver's {@code kubepods-burstable-pod<UID with _>.slice} names, '-' escaped
 *     because systemd.slice(5) uses '-' for nesting);</li>
 * <li>containerd's CRI plugin: {@code cri-containerd-<id>.scope} under the systemd driver
 *     (SystemdCgroup = true), the bare id under cgroupfs; CRI-O: {@code crio-<id>.scope}
 *     ({@code conmon_cgroup}: {@code crio-conmon-<id>.scope} holds the monitor); Docker:
 *     {@code docker-<id>.scope} (systemd) / {@code /docker/<id>} (cgroupfs); Podman
 *     {@code libpod-<id>.scope};</li>
 * <li>Slurm: "Control Group in Slurm" / "Control Group v2 plugin" pages (slurm.schedmd.com):
 *     v1 {@code /slurm/uid_<uid>/job_<id>/step_<id>/task_<n>} (with {@code slurm_<nodename>} when
 *     several slurmd share a node), v2 {@code /system.slice/slurmstepd.scope/job_<id>/step_<id>/user/task_<n>}.</li>
 * </ul>
 */
class CgroupPathsTest {
    static final String ID = "4c8d2b0f7e6a5d4c3b2a19087f6e5d4c3b2a1908f7e6d5c4b3a2918076f5e4d3";
    static final String UID = "0f2c6a8e-4b7d-4a55-9d5c-2b4f7c1e9a10";
    static final String UID_ = "0f2c6a8e_4b7d_4a55_9d5c_2b4f7c1e9a10";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        // v1, cgroupfs driver, containerd: bare id under the pod, burstable QoS
        "/kubepods/burstable/pod" + UID + "/" + ID + "|" + ID + "|-|" + UID + "|-",
        // v1/v2, cgroupfs, guaranteed QoS: the pod directly under kubepods
        "/kubepods/pod" + UID + "/" + ID + "|" + ID + "|-|" + UID + "|-",
        // cgroupfs, CRI-O
        "/kubepods/besteffort/pod" + UID + "/crio-" + ID + "|" + ID + "|cri-o|" + UID + "|-",
        // v2, systemd driver, containerd, burstable
        "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + UID_ + ".slice/cri-containerd-" + ID
                + ".scope|" + ID + "|containerd|" + UID + "|-",
        // v2, systemd driver, guaranteed
        "/kubepods.slice/kubepods-pod" + UID_ + ".slice/cri-containerd-" + ID + ".scope|" + ID + "|containerd|" + UID + "|-",
        // systemd driver, CRI-O, besteffort
        "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + UID_ + ".slice/crio-" + ID + ".scope|"
                + ID + "|cri-o|" + UID + "|-",
        // CRI-O's conmon: the pod, but not the container
        "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + UID_ + ".slice/crio-conmon-" + ID
                + ".scope|-|-|" + UID + "|-",
        // cri-dockerd under the systemd driver
        "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + UID_ + ".slice/docker-" + ID + ".scope|"
                + ID + "|docker|" + UID + "|-",
        // static pod: the UID is a 32-hex-digit hash
        "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod6a3b1c2d4e5f60718293a4b5c6d7e8f9.slice/cri-containerd-"
                + ID + ".scope|" + ID + "|containerd|6a3b1c2d4e5f60718293a4b5c6d7e8f9|-",
        // plain Docker, cgroupfs (v1)
        "/docker/" + ID + "|" + ID + "|docker|-|-",
        // plain Docker, systemd
        "/system.slice/docker-" + ID + ".scope|" + ID + "|docker|-|-",
        // rootless Podman
        "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + ID + ".scope|" + ID + "|podman|-|-",
        // Slurm cgroup/v1
        "/slurm/uid_1000/job_4242/step_0/task_0|-|-|-|4242",
        // Slurm cgroup/v1, several slurmd per node
        "/slurm_node07/uid_1000/job_17/step_batch/task_0|-|-|-|17",
        // Slurm cgroup/v2
        "/system.slice/slurmstepd.scope/job_4242/step_0/user/task_0|-|-|-|4242",
        // Slurm cgroup/v2, several slurmd per node
        "/system.slice/slurmstepd_node07.scope/job_99/step_extern/user/task_special|-|-|-|99",
        // a login session: nothing
        "/user.slice/user-1000.slice/session-3.scope|-|-|-|-",
        // 'job_' outside Slurm is not a Slurm job
        "/system.slice/job_5.service|-|-|-|-",
    })
    void pathForms(String path, String id, String runtime, String pod, String job) {
        CgroupIdentity c = CgroupPaths.parsePath(path);
        assertEquals(new CgroupIdentity(n(id), n(runtime), n(pod), n(job)), c);
    }

    private static String n(String s) {
        return s == null ? "" : s;
    }

    @Test
    void cgroupV1FileMergesHierarchies() {
        // A v1 node: the named systemd hierarchy shows the runtime's service, the controllers the pod.
        String file = """
                12:pids:/kubepods/burstable/pod%s/%s
                11:memory:/kubepods/burstable/pod%s/%s
                1:name=systemd:/system.slice/containerd.service
                """.formatted(UID, ID, UID, ID);
        assertEquals(new CgroupIdentity(ID, "", UID, ""), CgroupPaths.parseFile(file));
    }

    @Test
    void cgroupV2FileHasOneLine() {
        assertEquals(new CgroupIdentity("", "", "", "4242"),
                CgroupPaths.parseFile("0::/system.slice/slurmstepd.scope/job_4242/step_0/user/task_0\n"));
        assertEquals(CgroupIdentity.NONE, CgroupPaths.parseFile(""));
    }
}
