package io.flopwatch.gpu;

import io.flopwatch.config.InputError;
import io.flopwatch.config.LocatedTree;
import io.flopwatch.config.LocatedTree.Node;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The GPU peak catalog: config/gpus.yaml from the classpath, optionally extended or overridden
 * by a user's file in the same format (an entry with an existing id replaces it; user entries
 * win NVML-name matches). Immutable once loaded.
 */
public final class GpuCatalog {

    static final String RESOURCE = "config/gpus.yaml";
    private static final Set<String> ENTRY_KEYS = Set.of("id", "name", "nvml_names", "architecture", "sm_count",
            "boost_clock_mhz", "tensor_clock_mhz", "dense_peak_tflops", "memory_gb", "memory_bandwidth_gb_per_s",
            "nvlink_bandwidth_gb_per_s", "tdp_watts", "tdp_source", "source", "notes");
    private static final Set<String> PEAK_KEYS =
            Arrays.stream(Precision.values()).map(Precision::key).collect(Collectors.toUnmodifiableSet());

    private final List<GpuSpec> entries;

    private GpuCatalog(List<GpuSpec> entries) {
        this.entries = List.copyOf(entries);
    }

    /** The built-in catalog, parsed once (it is immutable). */
    public static GpuCatalog builtIn() {
        return BuiltIn.CATALOG;
    }

    /** Lazy holder: the jar's catalog is parsed on first use only. */
    private static final class BuiltIn {
        static final GpuCatalog CATALOG = readBuiltIn();
    }

    private static GpuCatalog readBuiltIn() {
        try (InputStream in = GpuCatalog.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            return new GpuCatalog(parse(RESOURCE, new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + RESOURCE, e);
        }
    }

    /** The built-in catalog with a user's file laid over it, when {@code overrides} is given. */
    public static GpuCatalog load(Optional<Path> overrides) {
        GpuCatalog base = builtIn();
        if (overrides.isEmpty()) {
            return base;
        }
        Path file = overrides.get();
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InputError(file.toString(), 0, 0, null, "cannot read: " + e.getMessage());
        }
        return base.withOverrides(parse(file.toString(), text));
    }

    /** A catalog where {@code user} entries replace same-id entries and come first in matching. */
    public GpuCatalog withOverrides(List<GpuSpec> user) {
        Map<String, GpuSpec> byId = new LinkedHashMap<>();
        for (GpuSpec g : user) {
            byId.put(g.id(), g);
        }
        for (GpuSpec g : entries) {
            byId.putIfAbsent(g.id(), g);
        }
        return new GpuCatalog(new ArrayList<>(byId.values()));
    }

    public List<GpuSpec> entries() {
        return entries;
    }

    /**
     * Finds a GPU by catalog id, or by the name NVML reports (exact, case-insensitive, then the
     * {@code *} patterns in catalog order).
     */
    public Optional<GpuSpec> find(String idOrNvmlName) {
        String key = idOrNvmlName.trim();
        for (GpuSpec g : entries) {
            if (g.id().equalsIgnoreCase(key)) {
                return Optional.of(g);
            }
        }
        for (GpuSpec g : entries) {
            for (String n : g.nvmlNames()) {
                if (!n.contains("*") && n.equalsIgnoreCase(key)) {
                    return Optional.of(g);
                }
            }
        }
        for (GpuSpec g : entries) {
            for (String n : g.nvmlNames()) {
                if (n.contains("*") && glob(n).matcher(key).matches()) {
                    return Optional.of(g);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Dense datasheet peak FLOP/s of the GPU NVML calls {@code idOrNvmlName}, in {@code precision};
     * empty when the GPU is not in the catalog or has no such peak. For the live agent.
     */
    public Optional<Double> densePeakFlops(String idOrNvmlName, Precision precision) {
        return find(idOrNvmlName).flatMap(g -> g.densePeak(precision));
    }

    /** {@link GpuSpec#clockAwarePeak} by id or NVML name; empty when unknown. For the live agent. */
    public Optional<Double> clockAwarePeakFlops(String idOrNvmlName, Precision precision, double currentSmClockHz) {
        return find(idOrNvmlName).flatMap(g -> g.clockAwarePeak(precision, currentSmClockHz));
    }

    /** Like {@link #find} but a miss is an {@link InputError} for the flag {@code flag}. */
    public GpuSpec require(String flag, String idOrNvmlName) {
        return find(idOrNvmlName).orElseThrow(() -> new InputError(flag, 0, 0, null, "unknown GPU '"
                + idOrNvmlName + "'; catalog ids: " + String.join(", ", entries.stream().map(GpuSpec::id).toList())
                + " (or add it with --gpu-catalog FILE, see docs/flops.md)"));
    }

    /** Dense peak FLOP/s of {@code gpu} in {@code precision}, or an InputError if the part lacks it. */
    public static double requirePeak(GpuSpec gpu, Precision precision) {
        return gpu.densePeak(precision).orElseThrow(() -> new InputError("--dtype", 0, 0, null, gpu.id()
                + " has no " + precision.key() + " peak in the catalog (it has "
                + String.join(", ", gpu.densePeakFlops().keySet().stream().sorted().map(Precision::key).toList())
                + ")"));
    }

    private static Pattern glob(String pattern) {
        List<String> parts = new ArrayList<>();
        for (String part : pattern.split("\\*", -1)) {
            parts.add(Pattern.quote(part));
        }
        return Pattern.compile(String.join(".*", parts), Pattern.CASE_INSENSITIVE);
    }

    static List<GpuSpec> parse(String source, String text) {
        Node root = LocatedTree.parseYaml(source, text).object().onlyKeys(Set.of("gpus"));
        List<GpuSpec> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Node e : root.require("gpus").elements()) {
            e.object().onlyKeys(ENTRY_KEYS);
            Node idNode = e.require("id");
            String id = idNode.asText().toLowerCase(Locale.ROOT);
            if (!seen.add(id)) {
                throw idNode.error("duplicate id '" + id + "'");
            }
            List<String> nvml = new ArrayList<>();
            Node names = e.get("nvml_names");
            if (names != null) {
                for (Node n : names.elements()) {
                    nvml.add(n.asText());
                }
            }
            Map<Precision, Double> peaks = new EnumMap<>(Precision.class);
            Node peakNode = e.require("dense_peak_tflops").object().onlyKeys(PEAK_KEYS);
            for (String k : peakNode.keys()) {
                Node v = peakNode.get(k);
                double tflops = v.asDouble();
                if (!(tflops > 0)) {
                    throw v.error("a peak must be a positive number of TFLOP/s");
                }
                peaks.put(Precision.fromKey(k).orElseThrow(), tflops * 1e12);
            }
            out.add(new GpuSpec(id, e.textOr("name", id), nvml, e.textOr("architecture", ""),
                    e.intOr("sm_count", 0), e.doubleOr("boost_clock_mhz", 0) * 1e6,
                    e.doubleOr("tensor_clock_mhz", e.doubleOr("boost_clock_mhz", 0)) * 1e6, peaks,
                    positive(e, "memory_gb") * 1e9, positive(e, "memory_bandwidth_gb_per_s") * 1e9,
                    e.doubleOr("nvlink_bandwidth_gb_per_s", 0) * 1e9, tdpWatts(e), e.textOr("tdp_source", ""),
                    e.require("source").asText(), e.textOr("notes", "")));
        }
        return out;
    }

    private static OptionalDouble tdpWatts(Node e) {
        Node v = e.get("tdp_watts");
        if (v == null) {
            return OptionalDouble.empty();
        }
        double w = v.asDouble();
        if (!(w > 0)) {
            throw v.error("must be a positive number of watts");
        }
        if (e.get("tdp_source") == null) {
            throw v.error("tdp_watts needs a tdp_source citing where the figure comes from");
        }
        return OptionalDouble.of(w);
    }

    private static double positive(Node e, String key) {
        Node v = e.require(key);
        double x = v.asDouble();
        if (!(x > 0)) {
            throw v.error("must be a positive number");
        }
        return x;
    }
}
