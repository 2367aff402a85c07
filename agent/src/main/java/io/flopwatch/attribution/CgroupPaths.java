package io.flopwatch.attribution;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads container, pod and Slurm job identity out of {@code /proc/PID/cgroup} (cgroups(7): one
 * {@code hierarchy-ID:controller-list:cgroup-path} line per hierarchy; cgroup v2 has the single
 * line {@code 0::/path}). Pure: tested on the path forms in docs/attribution.md.
 *
 * <p>The forms, by who writes them:
 * <ul>
 * <li>kubelet, cgroupfs driver: {@code /kubepods[/burstable|/besteffort]/pod<uid>/<container>};
 *     systemd driver: {@code /kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid with _>.slice/<scope>}
 *     (Kubernetes "Pod overhead"/QoS cgroup hierarchy; the systemd driver escapes '-' in the
 *     UID as '_' because '-' separates slice levels, systemd.slice(5)).</li>
 * <li>the container's own cgroup: containerd {@code cri-containerd-<id>.scope} (systemd) or the
 *     bare {@code <id>} (cgroupfs); CRI-O {@code crio-<id>.scope} / {@code crio-<id>}; Docker
 *     {@code docker-<id>.scope} or {@code /docker/<id>}; Podman {@code libpod-<id>.scope}.
 *     CRI-O's {@code crio-conmon-<id>.scope} holds the monitor, not the container.</li>
 * <li>Slurm cgroup/v1: {@code /slurm[_<node>]/uid_<uid>/job_<job>/step_<step>/task_<n>};
 *     cgroup/v2: {@code /system.slice/slurmstepd[_<node>].scope/job_<job>/step_<step>/user/task_<n>}
 *     (Slurm's "Control Group v2 plugin" page, hierarchy overview).</li>
 * </ul>
 */
public final class CgroupPaths {
    private static final String HEX64 = "([0-9a-f]{64})";
    /** A pod UID: an RFC 4122 UUID (API pods; '_' for '-' under the systemd driver) or 32 hex digits (static pods: a hash). */
    private static final Pattern POD = Pattern.compile(
            "(?:^|-)pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}|[0-9a-f]{32})(?:\\.slice)?$");
    private static final Pattern SCOPED = Pattern.compile("^(cri-containerd|crio|docker|libpod)-" + HEX64 + "(?:\\.scope)?$");
    private static final Pattern BARE = Pattern.compile("^" + HEX64 + "$");
    private static final Pattern SLURM_JOB = Pattern.compile("^job_(\\d+)$");

    private CgroupPaths() {
    }

    /** The identity of a process from the whole text of its /proc/PID/cgroup. */
    public static CgroupIdentity parseFile(String procCgroup) {
        CgroupIdentity merged = CgroupIdentity.NONE;
        for (String line : procCgroup.split("\n")) {
            // hierarchy-ID:controller-list:path; the path may itself contain ':' (cgroups(7))
            int first = line.indexOf(':');
            int second = first < 0 ? -1 : line.indexOf(':', first + 1);
            if (second < 0) {
                continue;
            }
            merged = merged.or(parsePath(line.substring(second + 1).trim()));
        }
        return merged;
    }

    /** The identity one cgroup path gives. */
    public static CgroupIdentity parsePath(String path) {
        String[] segments = path.split("/");
        String containerId = "";
        String runtime = "";
        String podUid = "";
        String slurmJob = "";
        boolean underSlurm = false;
        String parent = "";
        for (String s : segments) {
            if (s.isEmpty()) {
                continue;
            }
            Matcher m = POD.matcher(s);
            if (s.startsWith("pod") || s.startsWith("kubepods")) {
                if (m.find()) {
                    podUid = m.group(1).replace('_', '-');
                }
            }
            m = SCOPED.matcher(s);
            if (m.matches()) {
                containerId = m.group(2);
                runtime = switch (m.group(1)) {
                    case "cri-containerd" -> "containerd";
                    case "crio" -> "cri-o";
                    case "libpod" -> "podman";
                    default -> "docker";
                };
            } else if (BARE.matcher(s).matches()) {
                containerId = s;
                runtime = parent.equals("docker") ? "docker" : "";
            }
            if (s.startsWith("slurm")) {
                underSlurm = true;
            }
            m = SLURM_JOB.matcher(s);
            if (underSlurm && m.matches()) {
                slurmJob = m.group(1);
            }
            parent = s;
        }
        return new CgroupIdentity(containerId, runtime, podUid, slurmJob);
    }
}
