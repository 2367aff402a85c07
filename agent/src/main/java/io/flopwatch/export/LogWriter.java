package io.flopwatch.export;

import io.flopwatch.config.AgentConfig;
import io.flopwatch.telemetry.Snapshot;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Consumer;

/**
 * Writes a {@link LogLines} line every N snapshots, to a writer (stdout: journald takes it from
 * there) or to a file rotated by size (file → file.1 → … → file.K, the oldest dropped).
 */
public final class LogWriter implements Consumer<Snapshot> {
    private final AgentConfig.Log config;
    private final PrintWriter out;
    private long count;

    /** @param out where lines go when the config names no file */
    public LogWriter(AgentConfig.Log config, PrintWriter out) {
        this.config = config;
        this.out = out;
    }

    @Override
    public synchronized void accept(Snapshot s) {
        if (count++ % config.every() != 0) {
            return;
        }
        String line = config.format().equals("human") ? LogLines.human(s) : LogLines.json(s);
        if (config.file().isEmpty()) {
            out.println(line);
            out.flush();
            return;
        }
        try {
            append(config.file().get(), line + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write log line to " + config.file().get(), e);
        }
    }

    private void append(Path file, String line) throws IOException {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        // java.io's exists/length/append-open: the same checks and the same open-write-close per
        // line (so a file moved or removed by logrotate is created anew), without NIO's
        // per-call channel set-up, which cost as much as formatting the line (docs/BENCHMARKS.md).
        File f = file.toFile();
        if (f.exists() && f.length() + bytes.length > config.maxSizeBytes()) {
            rotate(file);
        }
        try (FileOutputStream out = new FileOutputStream(f, true)) {
            out.write(bytes);
        }
    }

    private void rotate(Path file) throws IOException {
        int keep = config.keepFiles();
        if (keep == 0) {
            Files.delete(file);
            return;
        }
        Files.deleteIfExists(file.resolveSibling(file.getFileName() + "." + keep));
        for (int i = keep - 1; i >= 1; i--) {
            Path from = file.resolveSibling(file.getFileName() + "." + i);
            if (Files.exists(from)) {
                Files.move(from, file.resolveSibling(file.getFileName() + "." + (i + 1)),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(file, file.resolveSibling(file.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
    }
}
