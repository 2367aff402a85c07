package io.flopwatch.telemetry.interconnect;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * Where PCI devices sit relative to each other, from sysfs: {@code /sys/bus/pci/devices/<address>}
 * is a symlink to the device's place in the hierarchy, e.g.
 * {@code /sys/devices/pci0000:17/0000:17:01.0/0000:18:00.0/0000:19:00.0/0000:1a:00.0}: a host
 * bridge (pci0000:17), a root port, then the bridges of any PCIe switch, then the device.
 *
 * <p>The closeness classes are nvidia-smi's ({@code nvidia-smi topo -m} legend), from nearest to
 * farthest: PIX (at most a single PCIe bridge / switch between them), PXB (several PCIe bridges, no
 * host bridge), PHB (through a PCIe host bridge, typically the CPU's root complex), NODE (between
 * host bridges within one NUMA node), SYS (across the inter-socket interconnect). Classifying from
 * the sysfs path is flopwatch's approximation of that legend: two devices meeting at one PCIe
 * switch are PIX when each is directly below a downstream port of the bridge where their paths
 * join; any deeper nesting is PXB.
 */
public final class PciTopology {

    private static final Pattern PCI_ADDRESS = Pattern.compile("[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]");
    private static final Pattern HOST_BRIDGE = Pattern.compile("pci[0-9a-f]{4,8}:[0-9a-f]{2}");

    /** Nearest first; {@link #UNKNOWN} when either device could not be placed. */
    public enum Closeness { PIX, PXB, PHB, NODE, SYS, UNKNOWN }

    /**
     * A device's place: the host bridge it hangs off and the PCI functions from the root port down
     * to the device itself (the last element).
     */
    public record PciPath(String address, String hostBridge, List<String> chain, OptionalInt numaNode) {
        public PciPath {
            chain = List.copyOf(chain);
        }
    }

    /** A NIC and how close it is to one GPU. */
    public record NicAffinity(String nic, String nicAddress, Closeness closeness) {
    }

    private final Path sysfsRoot;

    /** @param sysfsRoot normally {@code /sys}; a fixture tree in tests */
    public PciTopology(Path sysfsRoot) {
        this.sysfsRoot = sysfsRoot;
    }

    public static boolean isPciAddress(String s) {
        return PCI_ADDRESS.matcher(s.toLowerCase(Locale.ROOT)).matches();
    }

    /**
     * sysfs's form of a PCI address, 4-digit domain, lower case: NVML's bus id
     * "{@code 00000000:18:00.0}" (nvmlPciInfo_t.busId, 8-digit domain) → "{@code 0000:18:00.0}".
     */
    public static String normalize(String busId) {
        String s = busId.strip().toLowerCase(Locale.ROOT);
        if (!isPciAddress(s)) {
            throw new IllegalArgumentException("not a PCI address: " + busId);
        }
        String[] parts = s.split(":", 2);
        String domain = parts[0];
        if (domain.length() > 4) {
            String high = domain.substring(0, domain.length() - 4);
            if (!high.chars().allMatch(c -> c == '0')) {
                // Linux uses a wider domain only when it is above 0xffff (e.g. VMD): keep it as printed.
                return s;
            }
            domain = domain.substring(domain.length() - 4);
        }
        return domain + ":" + parts[1];
    }

    /** The device's place, empty when {@code bus/pci/devices/<address>} does not exist here. */
    public Optional<PciPath> locate(String busId) {
        String address = normalize(busId);
        Path link = sysfsRoot.resolve("bus/pci/devices").resolve(address);
        Path real;
        try {
            real = link.toRealPath();
        } catch (IOException e) {
            return Optional.empty();
        }
        String host = null;
        List<String> chain = new ArrayList<>();
        for (Path element : real) {
            String name = element.toString();
            if (HOST_BRIDGE.matcher(name).matches()) {
                host = name;
                chain.clear();
            } else if (host != null && isPciAddress(name)) {
                chain.add(name);
            }
        }
        if (host == null || chain.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new PciPath(address, host, chain, InfinibandReader.numaNode(real.resolve("numa_node"))));
    }

    /** How close two placed devices are (symmetric). */
    public static Closeness closeness(PciPath a, PciPath b) {
        if (!a.hostBridge().equals(b.hostBridge())) {
            if (a.numaNode().isPresent() && a.numaNode().equals(b.numaNode())) {
                return Closeness.NODE;
            }
            // Different NUMA nodes, or an unknown node (-1): traffic may cross the socket link.
            return Closeness.SYS;
        }
        int common = 0;
        int limit = Math.min(a.chain().size(), b.chain().size());
        while (common < limit && a.chain().get(common).equals(b.chain().get(common))) {
            common++;
        }
        if (common == 0) {
            // Different root ports of one host bridge.
            return Closeness.PHB;
        }
        // Devices strictly between the joining bridge and each endpoint.
        int belowA = a.chain().size() - common - 1;
        int belowB = b.chain().size() - common - 1;
        if (belowA < 0 || belowB < 0) {
            // One device is an ancestor of the other (a bridge and something behind it).
            return Closeness.PIX;
        }
        return belowA <= 1 && belowB <= 1 ? Closeness.PIX : Closeness.PXB;
    }

    /**
     * NICs ranked for one GPU, nearest first (ties by NIC name), like the GPU's row of
     * {@code nvidia-smi topo -m}. A NIC or GPU that cannot be placed ranks last as UNKNOWN.
     *
     * @param gpuBusId      NVML's bus id of the GPU
     * @param nicAddresses  NIC name (e.g. mlx5_0) → its PCI address
     */
    public List<NicAffinity> rankNics(String gpuBusId, Map<String, String> nicAddresses) {
        Optional<PciPath> gpu = locate(gpuBusId);
        List<NicAffinity> out = new ArrayList<>();
        for (Map.Entry<String, String> e : nicAddresses.entrySet()) {
            Optional<PciPath> nic = locate(e.getValue());
            Closeness c = gpu.isPresent() && nic.isPresent() ? closeness(gpu.get(), nic.get()) : Closeness.UNKNOWN;
            out.add(new NicAffinity(e.getKey(), normalize(e.getValue()), c));
        }
        out.sort(Comparator.comparing(NicAffinity::closeness).thenComparing(NicAffinity::nic));
        return out;
    }
}
