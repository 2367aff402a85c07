package io.flopwatch.telemetry.interconnect;

import io.flopwatch.telemetry.Ticker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads every RDMA port under {@code <sysfs>/class/infiniband} (the kernel's
 * Documentation/ABI/stable/sysfs-class-infiniband layout). A node without RDMA devices is the
 * normal case: the result is then empty, never an error (node_exporter's infiniband collector
 * treats it the same way). A file that cannot be read leaves its field absent rather than failing
 * the whole reading; counters the driver does not implement are simply not listed.
 *
 * <p>Stateless: safe to call from any thread.
 */
public final class InfinibandReader {

    private final Path sysfsRoot;
    private final Ticker ticker;

    /** @param sysfsRoot normally {@code /sys}; a fixture tree in tests */
    public InfinibandReader(Path sysfsRoot, Ticker ticker) {
        this.sysfsRoot = sysfsRoot;
        this.ticker = ticker;
    }

    public static InfinibandReader system(Ticker ticker) {
        return new InfinibandReader(Path.of("/sys"), ticker);
    }

    /** All ports of all devices, sorted by device then port; empty when there is no RDMA device. */
    public List<InfinibandPort> read() {
        Path classDir = sysfsRoot.resolve("class/infiniband");
        List<InfinibandPort> out = new ArrayList<>();
        for (Path dev : children(classDir)) {
            String device = dev.getFileName().toString();
            Optional<String> pci = pciAddress(dev.resolve("device"));
            OptionalInt numa = numaNode(dev.resolve("device/numa_node"));
            for (Path portDir : children(dev.resolve("ports"))) {
                int port;
                try {
                    port = Integer.parseInt(portDir.getFileName().toString());
                } catch (NumberFormatException e) {
                    continue;
                }
                Map<String, Long> counters = counters(portDir.resolve("counters"));
                Map<String, Long> hw = counters(portDir.resolve("hw_counters"));
                long at = ticker.nanoTime();
                out.add(new InfinibandPort(device, port, text(portDir.resolve("link_layer")).orElse(""),
                        InfinibandPort.PortState.parse(text(portDir.resolve("state")).orElse(null)),
                        InfinibandPort.PortState.parse(text(portDir.resolve("phys_state")).orElse(null)),
                        text(portDir.resolve("rate")).map(InfinibandReader::parseRateBitsPerSecond)
                                .orElse(OptionalLong.empty()),
                        counters, hw, pci, numa, at));
            }
        }
        out.sort(Comparator.comparing(InfinibandPort::device).thenComparingInt(InfinibandPort::port));
        return out;
    }

    private static final Pattern RATE = Pattern.compile("^\\s*(\\d+(?:\\.\\d+)?)\\s*Gb/sec\\b.*", Pattern.DOTALL);

    /**
     * The {@code rate} file: "{@code 400 Gb/sec (4X NDR)}", "{@code 2.5 Gb/sec (1X SDR)}",
     * "{@code 100 Gb/sec (2X HDR)}" (drivers/infiniband/core/sysfs.c prints rate in Gb/s, with one
     * decimal only for 2.5). For RoCE ports it reflects the Ethernet link speed. Empty when the
     * text is not in that form (e.g. a port that is down may print "10 Gb/sec (4X SDR)" or fail
     * to read; a port with no link is not an error).
     */
    public static OptionalLong parseRateBitsPerSecond(String text) {
        Matcher m = RATE.matcher(text);
        if (!m.matches()) {
            return OptionalLong.empty();
        }
        // Gb/sec in IB is decimal (10^9), as in the IBA spec's lane rates.
        return OptionalLong.of(Math.round(Double.parseDouble(m.group(1)) * 1e9));
    }

    /** The last element of the device symlink's target, when it looks like a PCI address. */
    private static Optional<String> pciAddress(Path deviceLink) {
        try {
            Path real = deviceLink.toRealPath();
            String last = real.getFileName().toString();
            return PciTopology.isPciAddress(last) ? Optional.of(last) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static OptionalInt numaNode(Path file) {
        Optional<String> t = text(file);
        if (t.isEmpty()) {
            return OptionalInt.empty();
        }
        try {
            int n = Integer.parseInt(t.get());
            // -1: the platform did not report an affinity (single-node machines, many VMs).
            return n < 0 ? OptionalInt.empty() : OptionalInt.of(n);
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    private static Map<String, Long> counters(Path dir) {
        Map<String, Long> out = new TreeMap<>();
        for (Path f : children(dir)) {
            Optional<String> t = text(f);
            if (t.isEmpty()) {
                continue;
            }
            try {
                // The kernel prints these with %llu: unsigned 64-bit.
                out.put(f.getFileName().toString(), Long.parseUnsignedLong(t.get()));
            } catch (NumberFormatException e) {
                // Some drivers print "N/A" for a counter they cannot read; leave it out.
            }
        }
        return out;
    }

    static Optional<String> text(Path file) {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.US_ASCII).strip());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            // EINVAL/EIO from a driver that cannot answer this counter right now.
            return Optional.empty();
        }
    }

    private static List<Path> children(Path dir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                out.add(p);
            }
        } catch (IOException e) {
            return List.of();
        }
        out.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return out;
    }
}
