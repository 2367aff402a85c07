package io.flopwatch.attribution;

import java.util.OptionalLong;

/**
 * What /proc says about one process, read once per process lifetime.
 *
 * @param startTimeTicks field 22 of /proc/PID/stat (clock ticks after boot): with the PID it names
 *                       one process, so a reused PID is noticed (proc(5))
 * @param realUid        the real uid from the {@code Uid:} line of /proc/PID/status
 * @param command        the truncated command (see {@link ProcessOwner#command()})
 * @param cgroup         the identity from /proc/PID/cgroup
 * @param slurmJobFromEnvironment SLURM_JOB_ID from /proc/PID/environ, "" when absent or not readable
 */
public record ProcFacts(long startTimeTicks, OptionalLong realUid, String command, CgroupIdentity cgroup,
                        String slurmJobFromEnvironment) {
}
