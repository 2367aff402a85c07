package io.flopwatch.top;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;

/**
 * Fills in the user and command of each GPU process from /proc on this host. NVML reports host
 * PIDs, and top runs on the GPU node, so the daemon need not (and does not) send them. A process
 * that has exited or that /proc hides (hidepid) keeps "" and shows as "-". Simulated readings are
 * left alone: their PIDs are made up and may belong to an unrelated process here.
 */
public final class ProcFs {
    private final Path procRoot;

    public ProcFs(Path procRoot) {
        this.procRoot = procRoot;
    }

    public static ProcFs system() {
        return new ProcFs(Path.of("/proc"));
    }

    public TopData enrich(TopData data) {
        if (data.simulated() || data.processes().isEmpty()) {
            return data;
        }
        List<TopData.Proc> out = new ArrayList<>();
        for (TopData.Proc p : data.processes()) {
            Path dir = procRoot.resolve(Long.toString(p.pid()));
            out.add(p.withOwner(user(dir), command(dir)));
        }
        return data.withProcesses(out);
    }

    static String user(Path dir) {
        try {
            UserPrincipal owner = Files.getOwner(dir);
            return owner.getName();
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return "";
        }
    }

    /** /proc/PID/cmdline: arguments separated by NUL bytes. */
    static String command(Path dir) {
        try {
            byte[] raw = Files.readAllBytes(dir.resolve("cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').strip();
        } catch (IOException | SecurityException e) {
            return "";
        }
    }
}
