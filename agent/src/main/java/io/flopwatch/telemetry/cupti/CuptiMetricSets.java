package io.flopwatch.telemetry.cupti;

import io.flopwatch.config.InputError;
import io.flopwatch.config.LocatedTree;
import io.flopwatch.cupti.PmSamplingSettings.TriggerMode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The shipped metric sets (config/cupti-metric-sets.yaml): what to sample on each chip family.
 * Data, not code, as dcgm-exporter keeps its counters; each set is validated single-pass with
 * the real CUPTI host API by the tests.
 */
public final class CuptiMetricSets {

    public static final String RESOURCE = "config/cupti-metric-sets.yaml";

    private final List<CuptiMetricSet> families;

    private CuptiMetricSets(List<CuptiMetricSet> families) {
        this.families = List.copyOf(families);
    }

    /** The sets in the jar, parsed once. */
    public static CuptiMetricSets builtIn() {
        return BuiltIn.SETS;
    }

    private static final class BuiltIn {
        static final CuptiMetricSets SETS = readBuiltIn();
    }

    private static CuptiMetricSets readBuiltIn() {
        try (InputStream in = CuptiMetricSets.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            return parse(RESOURCE, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + RESOURCE, e);
        }
    }

    /**
     * Parses a metric sets document.
     *
     * @throws InputError with file, line and field for anything malformed (unknown role, a chip
     *         in two families, an unknown trigger)
     */
    public static CuptiMetricSets parse(String source, String yaml) {
        LocatedTree.Node root = LocatedTree.parseYaml(source, yaml).onlyKeys(Set.of("families"));
        List<CuptiMetricSet> out = new ArrayList<>();
        Set<String> seenChips = new HashSet<>();
        for (LocatedTree.Node f : root.require("families").elements()) {
            f.onlyKeys(Set.of("family", "chips", "trigger", "metrics", "absent"));
            String family = f.require("family").asText();
            List<String> chips = new ArrayList<>();
            for (LocatedTree.Node c : f.require("chips").elements()) {
                String chip = c.asText().toUpperCase(Locale.ROOT);
                if (!seenChips.add(chip)) {
                    throw c.error("chip " + chip + " is already in another family");
                }
                chips.add(chip);
            }
            LocatedTree.Node triggerNode = f.require("trigger");
            TriggerMode trigger = switch (triggerNode.asText()) {
                case "gpu_time_interval" -> TriggerMode.GPU_TIME_INTERVAL;
                case "gpu_sysclk_interval" -> TriggerMode.GPU_SYSCLK_INTERVAL;
                default -> throw triggerNode.error("expected gpu_time_interval or gpu_sysclk_interval");
            };
            Map<CuptiMetricRole, String> metrics = new EnumMap<>(CuptiMetricRole.class);
            LocatedTree.Node m = f.require("metrics").object();
            for (String key : m.keys()) {
                CuptiMetricRole role = CuptiMetricRole.ofKey(key);
                if (role == null) {
                    throw m.get(key).error("unknown role '" + key + "'");
                }
                metrics.put(role, m.get(key).asText());
            }
            if (metrics.isEmpty()) {
                throw m.error("a family needs at least one metric");
            }
            List<String> absent = new ArrayList<>();
            if (f.has("absent")) {
                for (LocatedTree.Node a : f.get("absent").elements()) {
                    absent.add(a.asText());
                }
            }
            out.add(new CuptiMetricSet(family, chips, trigger, metrics, absent));
        }
        return new CuptiMetricSets(out);
    }

    public List<CuptiMetricSet> families() {
        return families;
    }

    /** The set for a chip as {@code cuptiDeviceGetChipName} names it, e.g. "GA102". */
    public Optional<CuptiMetricSet> forChip(String chip) {
        String upper = chip.toUpperCase(Locale.ROOT);
        return families.stream().filter(f -> f.chips().contains(upper)).findFirst();
    }
}
