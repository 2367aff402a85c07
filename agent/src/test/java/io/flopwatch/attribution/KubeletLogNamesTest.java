package io.flopwatch.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flopwatch.telemetry.FakeTicker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kubelet's log file names: {@code /var/log/pods/<namespace>_<pod>_<uid>/} and
 * {@code /var/log/containers/<pod>_<namespace>_<container>-<container id>.log} (kubelet
 * {@code BuildPodLogsDirectory} and {@code buildContainerLogsPath}; the names Kubernetes'
 * "Logging Architecture" page and log shippers rely on).
 */
class KubeletLogNamesTest {
    static final String ID = CgroupPathsTest.ID;
    static final String UID = CgroupPathsTest.UID;

    @TempDir
    Path root;

    @Test
    void parsesPodDirectoriesAndContainerLinks() {
        assertEquals(Optional.of(new KubeletLogNames.Pod("ml-team", "trainer-0", UID)),
                KubeletLogNames.parsePodDirectory("ml-team_trainer-0_" + UID));
        assertEquals(Optional.empty(), KubeletLogNames.parsePodDirectory("not-a-pod-dir"));
        assertEquals(Optional.of(new KubeletLogNames.Container("ml-team", "trainer-0", "pytorch-worker", ID)),
                KubeletLogNames.parseContainerLog("trainer-0_ml-team_pytorch-worker-" + ID + ".log"));
        assertEquals(Optional.empty(), KubeletLogNames.parseContainerLog("trainer-0_ml-team_x-123.log"));
    }

    @Test
    void aMissReListsAtMostOncePerInterval() throws Exception {
        Path pods = Files.createDirectory(root.resolve("pods"));
        Path containers = Files.createDirectory(root.resolve("containers"));
        FakeTicker ticker = new FakeTicker();
        KubeletLogNames names = new KubeletLogNames(Optional.of(pods), Optional.of(containers), ticker,
                Duration.ofSeconds(10));
        assertEquals(Optional.empty(), names.pod(UID));
        Files.createDirectory(pods.resolve("ml-team_trainer-0_" + UID));
        Files.createFile(containers.resolve("trainer-0_ml-team_worker-" + ID + ".log"));
        assertEquals(Optional.empty(), names.pod(UID), "listed 0 s ago: not again yet");
        ticker.advance(Duration.ofSeconds(10));
        assertEquals("trainer-0", names.pod(UID).orElseThrow().name());
        assertEquals("worker", names.container(ID).orElseThrow().name());
    }

    @Test
    void notAKubernetesNode() {
        KubeletLogNames names = new KubeletLogNames(Optional.of(root.resolve("absent")), Optional.empty(),
                new FakeTicker(), Duration.ofSeconds(10));
        assertEquals(Optional.empty(), names.pod(UID));
        assertEquals(Optional.empty(), names.container(ID));
    }
}
