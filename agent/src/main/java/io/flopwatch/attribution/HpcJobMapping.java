package io.flopwatch.attribution;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * dcgm-exporter's HPC job mapping ({@code --hpc-job-mapping-dir} / {@code DCGM_HPC_JOB_MAPPING_DIR}):
 * a directory with one file per GPU, named by the GPU's index ({@code 0}, {@code 1}, …), holding
 * the ids of the jobs using that GPU, one a line. A scheduler's prolog writes the file and its
 * epilog removes it; dcgm-exporter labels the GPU's series {@code hpc_job} with each id. Reading the
 * same files gives flopwatch's series the same label values.
 */
public final class HpcJobMapping {
    private final Optional<Path> dir;

    public HpcJobMapping(Optional<Path> dir) {
        this.dir = dir;
    }

    /** The jobs on GPU {@code index}, in file order without repeats; empty when no file. */
    public List<String> jobs(int index) {
        if (dir.isEmpty()) {
            return List.of();
        }
        Path f = dir.get().resolve(Integer.toString(index));
        try {
            return parse(Files.readString(f, StandardCharsets.UTF_8));
        } catch (IOException | SecurityException e) {
            return List.of(); // no job on this GPU (the epilog removed the file), or not readable
        }
    }

    static List<String> parse(String text) {
        Set<String> jobs = new LinkedHashSet<>();
        for (String line : text.split("\n")) {
            String id = line.trim();
            if (!id.isEmpty()) {
                jobs.add(id);
            }
        }
        return List.copyOf(jobs);
    }
}
