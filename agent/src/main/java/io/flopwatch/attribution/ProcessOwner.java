package io.flopwatch.attribution;

/**
 * Who a GPU process belongs to. Every field is "" when unknown (not readable, not in a container,
 * not under a scheduler).
 *
 * @param command          the command line (argv[0]'s file name, then the arguments), truncated to
 *                         {@code attribution.command_max_chars}; the kernel's {@code comm} when the
 *                         command line is empty
 * @param user             the real user's name from the passwd file, or the numeric uid when it has no entry
 * @param containerId      the container runtime's id (64 hex digits)
 * @param containerRuntime containerd, cri-o, docker, podman, or "" when the cgroup path does not say
 * @param podUid           the Kubernetes pod UID
 * @param podNamespace     the pod's namespace (from the kubelet's log directory names)
 * @param podName          the pod's name (idem)
 * @param containerName    the container's name in the pod spec (from /var/log/containers names)
 * @param slurmJob         the Slurm job id: the cgroup path's, else SLURM_JOB_ID from the environment
 */
public record ProcessOwner(String command, String user, String containerId, String containerRuntime, String podUid,
                           String podNamespace, String podName, String containerName, String slurmJob) {
    public static final ProcessOwner UNKNOWN = new ProcessOwner("", "", "", "", "", "", "", "", "");
}
