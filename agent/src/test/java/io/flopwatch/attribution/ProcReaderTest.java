package io.flopwatch.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The /proc file formats of proc(5). */
class ProcReaderTest {

    @Test
    void startTimeIsField22CountedAfterTheLastParenthesis() {
        // comm may hold spaces and ')' (proc(5): "(%s)"); fields 3.. follow the last ')'.
        String stat = "4242 (python3 ) x) S 1 4242 4242 0 -1 4194560 5 0 0 0 7 3 0 0 20 0 12 0 987654 1000 100 18446744073709551615";
        assertEquals(OptionalLong.of(987654), ProcReader.parseStartTime(stat));
        assertEquals(OptionalLong.empty(), ProcReader.parseStartTime("garbage"));
    }

    @Test
    void realUidIsTheFirstOfTheUidLine() {
        assertEquals(OptionalLong.of(1001), ProcReader.parseRealUid("Name:\tpython3\nUid:\t1001\t0\t0\t0\nGid:\t100\n"));
        assertEquals(OptionalLong.empty(), ProcReader.parseRealUid("Name:\tx\n"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/usr/bin/python3\0train.py\0--lr\0003e-4\0|64|python3 train.py --lr 3e-4",
        "/usr/bin/python3\0train.py\0--config\0/very/long/path/to/config.yaml\0|20|python3 train.py --…",
        "torchrun\0--nproc-per-node=8\0|8|torchru…",
    })
    void commandIsArgv0BasenameAndArgumentsTruncated(String cmdline, int max, String expected) {
        assertEquals(expected, ProcReader.command(cmdline.getBytes(StandardCharsets.UTF_8), max));
    }

    @Test
    void environmentValue() {
        byte[] env = "PATH=/bin\0SLURM_JOB_ID=4242\0SLURM_JOB_ID_X=1\0".getBytes(StandardCharsets.UTF_8);
        assertEquals("4242", ProcReader.environmentValue(env, "SLURM_JOB_ID"));
        assertEquals("", ProcReader.environmentValue(env, "HOME"));
    }
}
