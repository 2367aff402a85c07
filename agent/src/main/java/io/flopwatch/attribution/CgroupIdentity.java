package io.flopwatch.attribution;

/**
 * What a process's cgroup path says about who runs it. Every field is "" when the path does not
 * say.
 *
 * @param containerId      the container runtime's 64-hex-digit container id
 * @param containerRuntime "containerd", "cri-o", "docker", "podman", or "" when the path form
 *                         does not name it (cgroupfs driver: a bare id)
 * @param podUid           the Kubernetes pod UID, with dashes (the systemd driver's underscores undone)
 * @param slurmJob         the Slurm job id (cgroup/v1 {@code /slurm/uid_U/job_J/…}, cgroup/v2
 *                         {@code /system.slice/slurmstepd.scope/job_J/…})
 */
public record CgroupIdentity(String containerId, String containerRuntime, String podUid, String slurmJob) {
    public static final CgroupIdentity NONE = new CgroupIdentity("", "", "", "");

    /** This identity with each empty field taken from {@code other}. */
    CgroupIdentity or(CgroupIdentity other) {
        return new CgroupIdentity(containerId.isEmpty() ? other.containerId : containerId,
                containerId.isEmpty() ? other.containerRuntime : containerRuntime,
                podUid.isEmpty() ? other.podUid : podUid,
                slurmJob.isEmpty() ? other.slurmJob : slurmJob);
    }
}
