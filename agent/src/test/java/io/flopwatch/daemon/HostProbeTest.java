package io.flopwatch.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostProbeTest {

    // Format of /proc/driver/nvidia/params: "Name: value" per line, as printed by the NVIDIA
    // kernel module (a real file has ~60 such lines; these are a few of them).
    private static final String PARAMS_RESTRICTED = """
            ResmanDebugLevel: 4294967295
            RmLogonRC: 1
            RmProfilingAdminOnly: 1
            EnableStreamMemOPs: 0
            """;

    @ParameterizedTest
    @CsvSource({"1, true", "0, false"})
    void parsesProfilingAdminOnly(String value, boolean restricted) {
        assertEquals(Optional.of(restricted),
                HostProbe.parseProfilingAdminOnly(PARAMS_RESTRICTED.replace("AdminOnly: 1", "AdminOnly: " + value)));
    }

    @Test
    void missingProfilingLineIsUnknown() {
        assertEquals(Optional.empty(), HostProbe.parseProfilingAdminOnly("RmLogonRC: 1\n"));
    }

    @Test
    void capabilitiesFromProcStatus() {
        // A root shell's CapEff in a container without CAP_SYS_ADMIN... and a full set.
        long noSysAdmin = HostProbe.parseCapEff("Name:\tx\nCapEff:\t00000000a80425fb\n").getAsLong();
        assertFalse(HostProbe.hasCapability(noSysAdmin, HostProbe.CAP_SYS_ADMIN));
        long full = HostProbe.parseCapEff("CapEff:\t000001ffffffffff\n").getAsLong();
        assertTrue(HostProbe.hasCapability(full, HostProbe.CAP_SYS_ADMIN));
        assertTrue(HostProbe.hasCapability(full, HostProbe.CAP_PERFMON));
        long perfmonOnly = 1L << 38;
        assertTrue(HostProbe.hasCapability(perfmonOnly, HostProbe.CAP_PERFMON));
        assertFalse(HostProbe.hasCapability(perfmonOnly, HostProbe.CAP_SYS_ADMIN));
    }

    @Test
    void readsFixtureRoot(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("proc/driver/nvidia"));
        Files.writeString(root.resolve("proc/driver/nvidia/params"), PARAMS_RESTRICTED);
        Path cupti = root.resolve("usr/local/cuda-12.8/extras/CUPTI/lib64");
        Files.createDirectories(cupti);
        Files.writeString(cupti.resolve("libcupti.so.12"), "");
        Files.writeString(cupti.resolve("libcupti.so.12.8.90"), "");
        Files.writeString(cupti.resolve("libcuda.so"), "");
        HostProbe probe = new HostProbe(root, Map.of());
        assertEquals(Optional.of(true), probe.profilingRestrictedToAdmins());
        assertEquals(List.of(cupti.resolve("libcupti.so.12"), cupti.resolve("libcupti.so.12.8.90")), probe.cuptiLibraries());
    }

    @Test
    void emptyRootFindsNothing(@TempDir Path root) {
        HostProbe probe = new HostProbe(root, Map.of());
        assertEquals(Optional.empty(), probe.profilingRestrictedToAdmins());
        assertTrue(probe.effectiveCapabilities().isEmpty());
        assertTrue(probe.cuptiLibraries().isEmpty());
    }
}
