package io.flopwatch.daemon;

import io.flopwatch.nvml.GpuProcess;
import io.flopwatch.telemetry.GpuRecord;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Finds the GPUs of a workload from the log it writes ({@code gpus: {log_writer: true}}): the
 * processes that hold one of the tailed files open for writing (/proc/PID/fd links and the
 * access mode in /proc/PID/fdinfo), then every process of their process groups, then the GPUs on
 * which NVML lists any of those as a compute process.
 *
 * <p>Why process groups rather than parent/child links: the writer is often not a process that
 * uses a GPU. With {@code torchrun … | tee train.log} it is {@code tee}, a sibling of the
 * launcher; with {@code torchrun … > train.log} every rank inherits the file as stdout; with a
 * script that opens its log on rank 0 only, ranks 1… are siblings of the writer. In all three
 * the shell puts the pipeline in one process group which the ranks inherit (setpgid(2),
 * credentials(7)), so the group covers the job and, in an interactive shell, only that job.
 *
 * <p>Reading another user's /proc/PID/fd needs ptrace access (proc(5)); the agent running as
 * root, or as the job's user, sees them. Unreadable processes are skipped.
 */
public final class LogWriterProcesses {
    /** O_ACCMODE and the two access modes that can write (fcntl.h; proc(5), /proc/PID/fdinfo "flags", octal). */
    private static final int O_ACCMODE = 03;

    private LogWriterProcesses() {
    }

    /**
     * @param writerPids processes that have a followed file open for writing
     * @param jobPids    every process in the process group of a writer (the writers included)
     */
    public record Writers(Set<Long> writerPids, Set<Long> jobPids) {
        public Writers {
            writerPids = Set.copyOf(new TreeSet<>(writerPids));
            jobPids = Set.copyOf(new TreeSet<>(jobPids));
        }
    }

    /** How a {@code log_writer} selection came out; one log line is written when it changes. */
    public enum Outcome {
        /** nobody has the log open for writing (or the agent may not look): no GPU */
        NO_WRITER,
        /** writers found, but no process of their groups is on a GPU: no GPU */
        WRITER_ON_NO_GPU,
        /** one writer: the GPUs of its process group */
        ONE_WRITER,
        /** several writers: the GPUs of all their process groups together */
        SEVERAL_WRITERS
    }

    public record Selection(List<Integer> gpuIndexes, Outcome outcome, Writers writers) {
        public Selection {
            gpuIndexes = List.copyOf(gpuIndexes);
        }

        /** The line logged when the outcome or the writers change. */
        public String describe(String workload) {
            List<Long> writers = new ArrayList<>(new TreeSet<>(writers().writerPids()));
            return switch (outcome) {
                case NO_WRITER -> "workload " + workload + ": no process has its log open for writing"
                        + " (not started, or not readable by the agent's user): no GPU selected";
                case WRITER_ON_NO_GPU -> "workload " + workload + ": log writer(s) " + writers
                        + " and their process groups hold no GPU: no GPU selected";
                case ONE_WRITER -> "workload " + workload + ": log writer " + writers + " runs on GPU(s) " + gpuIndexes;
                case SEVERAL_WRITERS -> "workload " + workload + ": " + writers.size() + " processes write its log "
                        + writers + ": using the GPUs of all of them " + gpuIndexes;
            };
        }
    }

    /** Pure: the GPUs listing any of the job's processes, and what kind of match it was. */
    public static Selection select(Writers w, List<GpuRecord> gpus) {
        List<Integer> out = new ArrayList<>();
        for (GpuRecord g : gpus) {
            if (g.processes().stream().map(GpuProcess::pid).anyMatch(w.jobPids()::contains)) {
                out.add(g.index());
            }
        }
        Outcome o = w.writerPids().isEmpty() ? Outcome.NO_WRITER
                : out.isEmpty() ? Outcome.WRITER_ON_NO_GPU
                : w.writerPids().size() == 1 ? Outcome.ONE_WRITER : Outcome.SEVERAL_WRITERS;
        return new Selection(out, o, w);
    }

    /**
     * Scans {@code procRoot} (/proc; a fixture tree in tests) for the processes writing one of
     * {@code logPaths} (files, or globs in the file name as in {@code throughput.paths}).
     */
    public static Writers find(Path procRoot, List<String> logPaths) {
        List<PathMatcher> matchers = new ArrayList<>();
        for (String p : logPaths) {
            Path abs = Path.of(p).toAbsolutePath().normalize();
            // throughput.paths allows a glob in the file name only (ConfigLoader), so the rest is literal.
            matchers.add(FileSystems.getDefault().getPathMatcher("glob:" + abs));
            try {
                // A followed path through a symlink: the fd link names the real file.
                if (Files.exists(abs)) {
                    Path real = abs.toRealPath();
                    matchers.add(real::equals);
                }
            } catch (IOException | RuntimeException ignored) {
                // only the configured spelling is matched
            }
        }
        Set<Long> writers = new TreeSet<>();
        Map<Long, Long> groups = new TreeMap<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(procRoot)) {
            for (Path proc : procs) {
                String name = proc.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long pid = Long.parseLong(name);
                readGroup(proc).ifPresent(g -> groups.put(pid, g));
                if (writes(proc, matchers)) {
                    writers.add(pid);
                }
            }
        } catch (IOException | RuntimeException e) {
            return new Writers(Set.of(), Set.of());
        }
        Set<Long> writerGroups = new TreeSet<>();
        for (long pid : writers) {
            Long g = groups.get(pid);
            if (g != null) {
                writerGroups.add(g);
            }
        }
        Set<Long> job = new TreeSet<>(writers);
        groups.forEach((pid, g) -> {
            if (writerGroups.contains(g)) {
                job.add(pid);
            }
        });
        return new Writers(writers, job);
    }

    private static boolean writes(Path proc, List<PathMatcher> matchers) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (!target.startsWith("/") || target.endsWith(" (deleted)")) {
                        continue; // pipe:[…], socket:[…], or a rotated-away file
                    }
                    Path t = Path.of(target);
                    if (matchers.stream().anyMatch(m -> m.matches(t))
                            && opensForWriting(Files.readString(proc.resolve("fdinfo").resolve(fd.getFileName())))) {
                        return true;
                    }
                } catch (IOException | RuntimeException e) {
                    // the fd closed between the listing and the read, or the process exited
                }
            }
        } catch (IOException | RuntimeException e) {
            // not ours to read (another user's process without ptrace access), or gone
        }
        return false;
    }

    /** Pure: whether a /proc/PID/fdinfo/FD text shows a write access mode (O_WRONLY or O_RDWR). */
    static boolean opensForWriting(String fdinfo) {
        for (String line : fdinfo.split("\n")) {
            if (line.startsWith("flags:")) {
                try {
                    return (Integer.parseInt(line.substring(6).trim(), 8) & O_ACCMODE) != 0;
                } catch (NumberFormatException e) {
                    return false;
                }
            }
        }
        return false;
    }

    private static OptionalLong readGroup(Path proc) {
        try {
            return processGroup(Files.readString(proc.resolve("stat")));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * Pure: the process group (field 5, pgrp) of a /proc/PID/stat line (proc(5)). The command name
     * (field 2) is in parentheses and may itself hold spaces and parentheses, so fields are counted
     * from the last ')'.
     */
    static OptionalLong processGroup(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return OptionalLong.empty();
        }
        String[] f = stat.substring(close + 1).trim().split("\\s+");
        // f[0] state (field 3), f[1] ppid (4), f[2] pgrp (5)
        if (f.length < 3) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(f[2]));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
