package io.flopwatch.daemon;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The checks behind {@code flopwatch doctor}: each turns a fact about NVML or the host into a
 * {@link Finding} that says what to do. Pure over its inputs.
 */
public final class Doctor {

    private Doctor() {}

    public static List<Finding> examine(NvmlReport nvml, HostProbe host) {
        List<Finding> findings = nvmlAndPermission(nvml, host);
        cuptiFindings(host.cuptiLibraries(), nvml, findings);
        return findings;
    }

    /**
     * As {@link #examine(NvmlReport, HostProbe)}, with what the CUPTI libraries themselves
     * report in place of the file scan; the scan's finding stays only when the host API could
     * not be used, since it says where CUPTI was looked for.
     */
    public static List<Finding> examine(NvmlReport nvml, HostProbe host, CuptiReport cupti) {
        List<Finding> findings = nvmlAndPermission(nvml, host);
        if (cupti.unavailable().isPresent()) {
            cuptiFindings(host.cuptiLibraries(), nvml, findings);
        }
        cuptiReportFindings(cupti, nvml, findings);
        return findings;
    }

    private static List<Finding> nvmlAndPermission(NvmlReport nvml, HostProbe host) {
        List<Finding> findings = new ArrayList<>();
        nvmlFindings(nvml, findings);
        profilingFindings(host.profilingRestrictedToAdmins(), host.effectiveCapabilities(), nvml, findings);
        return findings;
    }

    static void nvmlFindings(NvmlReport nvml, List<Finding> out) {
        if (nvml.unavailable().isPresent()) {
            String reason = nvml.unavailable().get();
            String advice = switch (nvml.unavailableCode()) {
                case NvmlReport.LIBRARY_MISSING -> "Install the NVIDIA driver (it provides libnvidia-ml.so.1), or set "
                        + "FLOPWATCH_NVML_LIBRARY to the library's path. Without a GPU, try `flopwatch demo`.";
                case NvmlReport.DRIVER_NOT_LOADED -> "Load the NVIDIA kernel module (`modprobe nvidia`; `dmesg | grep -i nvrm` "
                        + "shows why it failed). Inside a container, the host's driver must be passed through. "
                        + "Without a GPU, try `flopwatch demo`.";
                case NvmlReport.NO_PERMISSION -> "Run flopwatch as a user that may open /dev/nvidiactl and /dev/nvidia* "
                        + "(the systemd unit grants exactly that).";
                case NvmlReport.LIB_RM_VERSION_MISMATCH -> "The user-space library and the kernel module come from different "
                        + "driver versions (usually after an upgrade without reboot): reboot, or reload the module.";
                default -> "See the NVML error above; `nvidia-smi` should report the same problem.";
            };
            out.add(Finding.problem("NVML", reason + " [" + nvml.library() + "]", advice));
            return;
        }
        out.add(Finding.ok("NVML", "loaded " + nvml.library() + (nvml.simulated() ? " (SIMULATED)" : "")));
        out.add(Finding.info("Versions", "driver " + orUnknown(nvml.driverVersion()) + ", NVML "
                + orUnknown(nvml.nvmlVersion()) + ", CUDA driver API " + orUnknown(nvml.cudaDriverVersion())));
        if (nvml.devices().isEmpty()) {
            out.add(Finding.problem("Devices", "NVML found no GPUs",
                    "`nvidia-smi -L` should list them; in a container, pass the GPUs through "
                            + "(e.g. the NVIDIA container toolkit)."));
            return;
        }
        out.add(Finding.ok("Devices", nvml.devices().size() + " GPU(s) found"));
        for (NvmlReport.Device d : nvml.devices()) {
            String who = "GPU " + d.index() + " " + d.name() + " (" + d.uuid() + ", " + d.architecture() + ")";
            if (d.gpmSupported().isEmpty()) {
                out.add(Finding.warn("GPM", who + ": GPM support could not be queried (driver older than R520?)",
                        "Tensor, SM and DRAM activity need GPM (Hopper+, driver R520+) or CUPTI (`cupti.mode`)."));
            } else if (d.gpmSupported().get()) {
                out.add(Finding.ok("GPM", who + ": GPM supported (tensor, SM, DRAM activity available)"));
            } else {
                out.add(Finding.warn("GPM", who + ": GPM not supported (it needs Hopper or newer)",
                        "Tensor, SM and DRAM activity can come from CUPTI PM sampling instead "
                                + "(`cupti: {mode: auto}` in flopwatch.yaml; it needs profiling permission, see below)."));
            }
        }
    }

    static void profilingFindings(Optional<Boolean> restricted, OptionalLong capEff, NvmlReport nvml, List<Finding> out) {
        if (nvml.simulated()) {
            return; // The host's driver settings say nothing about simulated GPUs.
        }
        if (restricted.isEmpty()) {
            out.add(Finding.info("Profiling permission",
                    "/proc/driver/nvidia/params not readable (no driver loaded): cannot tell whether GPU "
                            + "performance counters are restricted to administrators"));
            return;
        }
        if (!restricted.get()) {
            out.add(Finding.ok("Profiling permission", "RmProfilingAdminOnly: 0 (any user may read performance counters)"));
            return;
        }
        boolean privileged = capEff.isPresent()
                && (HostProbe.hasCapability(capEff.getAsLong(), HostProbe.CAP_SYS_ADMIN)
                        || HostProbe.hasCapability(capEff.getAsLong(), HostProbe.CAP_PERFMON));
        if (privileged) {
            out.add(Finding.ok("Profiling permission",
                    "RmProfilingAdminOnly: 1, and this process has CAP_SYS_ADMIN or CAP_PERFMON"));
        } else {
            out.add(Finding.warn("Profiling permission",
                    "RmProfilingAdminOnly: 1 and this process is not privileged: CUPTI PM sampling will be refused",
                    "Run with CAP_SYS_ADMIN, or CAP_PERFMON on driver R565+ (the systemd drop-in "
                            + "in systemd/ grants it), or allow all users with the module option "
                            + "NVreg_RestrictProfilingToAdminUsers=0 (in /etc/modprobe.d, then reload the module)."));
        }
    }

    static void cuptiFindings(List<Path> libraries, NvmlReport nvml, List<Finding> out) {
        if (libraries.isEmpty()) {
            boolean allHaveGpm = !nvml.devices().isEmpty()
                    && nvml.devices().stream().allMatch(d -> d.gpmSupported().orElse(false));
            if (allHaveGpm) {
                out.add(Finding.info("CUPTI", "not found (not needed: every GPU here has GPM)"));
            } else {
                out.add(Finding.warn("CUPTI", "libcupti.so not found in $CUDA_HOME, $CUDA_PATH or /usr/local/cuda*",
                        "Install the CUDA toolkit's CUPTI (CUDA 12.6+) for tensor and SM activity on GPUs without GPM."));
            }
            return;
        }
        out.add(Finding.ok("CUPTI", "found " + libraries.get(libraries.size() - 1)
                + (libraries.size() > 1 ? " (and " + (libraries.size() - 1) + " more)" : "")));
    }

    static void cuptiReportFindings(CuptiReport cupti, NvmlReport nvml, List<Finding> out) {
        if (cupti.unavailable().isPresent()) {
            boolean allHaveGpm = !nvml.devices().isEmpty()
                    && nvml.devices().stream().allMatch(d -> d.gpmSupported().orElse(false));
            if (!allHaveGpm) {
                out.add(Finding.warn("CUPTI host API", cupti.unavailable().get(),
                        "Install CUPTI from CUDA 12.6 or newer (in /usr/local/cuda, or set CUDA_HOME)."));
            }
            return;
        }
        out.add(Finding.ok("CUPTI host API", "CUPTI API version " + cupti.apiVersion() + " from " + cupti.library()
                + "; PM sampling knows " + cupti.supportedChips().size() + " chips: "
                + String.join(" ", cupti.supportedChips())));
        if (cupti.cudaDriverProblem().isPresent()) {
            out.add(Finding.info("CUPTI PM sampling", "the CUDA driver (libcuda.so.1) cannot be used ("
                    + cupti.cudaDriverProblem().get() + "): no GPU can be sampled; host-side checks still work"));
            return;
        }
        for (CuptiReport.DeviceChip d : cupti.devices()) {
            if (d.chip().isEmpty()) {
                out.add(Finding.warn("CUPTI PM sampling", "GPU " + d.index() + ": chip name unreadable: " + d.error(),
                        "A MIG, vGPU or WSL device cannot be profiled by CUPTI; NVML still reports it."));
            } else if (d.family().isPresent()) {
                out.add(Finding.ok("CUPTI PM sampling", "GPU " + d.index() + ": chip " + d.chip().get()
                        + ", PM sampling supported (metric set " + d.family().get() + ")"));
            } else {
                out.add(Finding.warn("CUPTI PM sampling", "GPU " + d.index() + ": chip " + d.chip().get()
                        + " has no PM sampling metric set (PM sampling needs Turing or newer)",
                        "Tensor and SM activity are unavailable on this GPU; NVML utilization still works."));
            }
        }
    }

    private static String orUnknown(String s) {
        return s == null || s.isBlank() ? "unknown" : s;
    }

    /** True when any finding keeps flopwatch from reading the GPUs fully. */
    public static boolean hasProblems(List<Finding> findings) {
        return findings.stream().anyMatch(f -> f.level() == Finding.Level.PROBLEM);
    }
}
