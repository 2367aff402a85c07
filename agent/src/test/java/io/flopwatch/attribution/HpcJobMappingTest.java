package io.flopwatch.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dcgm-exporter's HPC job mapping directory ({@code --hpc-job-mapping-dir},
 * {@code DCGM_HPC_JOB_MAPPING_DIR}): one file per GPU named by its index, job ids one a line, as
 * the Slurm prolog scripts published for it write them (e.g. /run/dcgm-job-map/0).
 */
class HpcJobMappingTest {
    @TempDir
    Path dir;

    @Test
    void oneFilePerGpuIndexJobsOneALine() throws Exception {
        Files.writeString(dir.resolve("0"), "4242\n");
        Files.writeString(dir.resolve("1"), "4242\n4243\n\n4242\n");
        HpcJobMapping m = new HpcJobMapping(Optional.of(dir));
        assertEquals(List.of("4242"), m.jobs(0));
        assertEquals(List.of("4242", "4243"), m.jobs(1), "in file order, blank lines and repeats dropped");
        assertEquals(List.of(), m.jobs(2), "no file: no job (the epilog removed it)");
    }

    @Test
    void withoutADirectoryNothing() {
        assertEquals(List.of(), new HpcJobMapping(Optional.empty()).jobs(0));
        assertEquals(List.of(), new HpcJobMapping(Optional.of(dir.resolve("absent"))).jobs(0));
    }
}
