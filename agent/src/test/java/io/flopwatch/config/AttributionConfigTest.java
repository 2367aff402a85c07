package io.flopwatch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The {@code attribution} section (docs/configuration.md). */
class AttributionConfigTest {

    @Test
    void defaults() {
        assertEquals(AgentConfig.Attribution.DEFAULTS, ConfigLoader.defaults().attribution());
        assertEquals(AgentConfig.Attribution.DEFAULTS,
                ConfigLoader.load(Path.of(System.getProperty("user.dir")).resolve("../config/flopwatch.yaml"))
                        .attribution(), "the shipped config spells the defaults out");
    }

    @Test
    void everyKey() {
        AgentConfig.Attribution a = ConfigLoader.parse("t", """
                attribution:
                  enabled: true
                  proc_root: /host/proc
                  passwd_file: /host/etc/passwd
                  kubernetes_pod_logs: ""
                  kubernetes_container_logs: /host/var/log/containers
                  hpc_job_mapping_dir: /run/dcgm-job-map
                  max_processes_per_gpu: 4
                  command_max_chars: 32
                  read_environment: false
                """).attribution();
        assertEquals(new AgentConfig.Attribution(true, Path.of("/host/proc"), Optional.of(Path.of("/host/etc/passwd")),
                Optional.empty(), Optional.of(Path.of("/host/var/log/containers")), Optional.of(Path.of("/run/dcgm-job-map")),
                4, 32, false), a);
    }

    @Test
    void errorsNameTheLine() {
        InputError e = assertThrows(InputError.class, () -> ConfigLoader.parse("f.yaml", """
                attribution:
                  max_processes_per_gpu: -1
                """));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("max_processes_per_gpu"), e.getMessage());
        assertThrows(InputError.class, () -> ConfigLoader.parse("f.yaml", "attribution:\n  proc: /proc\n"));
        assertThrows(InputError.class, () -> ConfigLoader.parse("f.yaml", "attribution:\n  command_max_chars: 0\n"));
    }
}
