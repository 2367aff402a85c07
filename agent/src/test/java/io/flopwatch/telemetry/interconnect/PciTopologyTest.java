package io.flopwatch.telemetry.interconnect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flopwatch.telemetry.interconnect.PciTopology.Closeness;
import io.flopwatch.telemetry.interconnect.PciTopology.NicAffinity;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PciTopologyTest {

    @TempDir
    Path tmp;

    // NVML nvmlPciInfo_t.busId is "domain:bus:device.function" with an 8-digit domain
    // ("00000000:18:00.0", nvml.h NVML_DEVICE_PCI_BUS_ID_FMT); sysfs uses a 4-digit domain.
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            00000000:18:00.0 | 0000:18:00.0
            00000000:1A:00.0 | 0000:1a:00.0
            0000:9b:00.0     | 0000:9b:00.0
            00010000:01:00.0 | 00010000:01:00.0
            """)
    void normalize(String nvml, String sysfs) {
        assertEquals(sysfs, PciTopology.normalize(nvml));
    }

    @Test
    void rejectsWhatIsNotAnAddress() {
        assertThrows(IllegalArgumentException.class, () -> PciTopology.normalize("GPU-1234"));
    }

    @Test
    void locatesADeviceBehindAPcieSwitch() {
        PciTopology topo = new PciTopology(SysfsFixture.install("two-socket-ib", tmp));
        assertEquals(Optional.of(new PciTopology.PciPath("0000:1a:00.0", "pci0000:17",
                        List.of("0000:17:01.0", "0000:18:00.0", "0000:19:00.0", "0000:1a:00.0"), OptionalInt.of(0))),
                topo.locate("00000000:1A:00.0"));
        assertEquals(Optional.empty(), topo.locate("0000:ff:00.0"), "not on this machine");
    }

    // Expected classes from the nvidia-smi topo -m legend (see PciTopology) applied to the fixture's
    // layout (agent/src/test/resources/sysfs/two-socket-ib.symlinks).
    @ParameterizedTest(name = "{0} to {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # GPU0 and mlx5_0 hang off two downstream ports of one switch (upstream port 18:00.0)
            00000000:1A:00.0 | 0000:1b:00.0 | PIX
            # GPU1 is behind a second switch below that one: more than one bridge
            00000000:22:00.0 | 0000:1b:00.0 | PXB
            # mlx5_3 is on another root port of the same host bridge
            00000000:1A:00.0 | 0000:30:00.0 | PHB
            # mlx5_1 is on another host bridge of the same NUMA node
            00000000:1A:00.0 | 0000:39:00.0 | NODE
            # mlx5_2 is on the other socket
            00000000:1A:00.0 | 0000:9b:00.0 | SYS
            # qib0 reports numa_node -1: cannot rule out the socket link
            00000000:1A:00.0 | 0000:05:00.0 | SYS
            """)
    void closeness(String gpu, String nic, Closeness expected) {
        PciTopology topo = new PciTopology(SysfsFixture.install("two-socket-ib", tmp));
        assertEquals(expected, PciTopology.closeness(topo.locate(gpu).orElseThrow(), topo.locate(nic).orElseThrow()));
        assertEquals(expected, PciTopology.closeness(topo.locate(nic).orElseThrow(), topo.locate(gpu).orElseThrow()));
    }

    @Test
    void ranksNicsForEachGpuNearestFirst() {
        PciTopology topo = new PciTopology(SysfsFixture.install("two-socket-ib", tmp));
        Map<String, String> nics = new LinkedHashMap<>();
        nics.put("mlx5_2", "0000:9b:00.0");
        nics.put("mlx5_1", "0000:39:00.0");
        nics.put("mlx5_0", "0000:1b:00.0");
        nics.put("mlx5_3", "0000:30:00.0");
        nics.put("gone", "0000:ee:00.0");
        assertEquals(List.of(new NicAffinity("mlx5_0", "0000:1b:00.0", Closeness.PIX),
                        new NicAffinity("mlx5_3", "0000:30:00.0", Closeness.PHB),
                        new NicAffinity("mlx5_1", "0000:39:00.0", Closeness.NODE),
                        new NicAffinity("mlx5_2", "0000:9b:00.0", Closeness.SYS),
                        new NicAffinity("gone", "0000:ee:00.0", Closeness.UNKNOWN)),
                topo.rankNics("00000000:1A:00.0", nics));
        assertEquals(Closeness.PXB, topo.rankNics("00000000:22:00.0", nics).get(0).closeness());
    }
}
