package io.flopwatch.export;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Meters registered in groups, one group per thing they describe (a GPU, a workload, a process,
 * a NIC port) under a string key, so that when the thing goes away all its series are removed
 * from the registry together and none is left behind reporting NaN. Every exporter class of this
 * package keeps its meters here. Not thread-safe: the callers' {@code sync} methods run on the
 * sampler's thread (or are synchronized).
 */
final class MeterGroups {
    private final MeterRegistry registry;
    private final Map<String, List<Meter>> groups = new HashMap<>();
    /** The group being filled by {@link #own}; see {@link #open}. */
    private List<Meter> current = new ArrayList<>();

    MeterGroups(MeterRegistry registry) {
        this.registry = registry;
    }

    boolean has(String key) {
        return groups.containsKey(key);
    }

    /**
     * Starts recording meters under {@code key} ({@link #own} adds to it); false, and nothing
     * recorded, when the key's meters exist already.
     */
    boolean open(String key) {
        if (groups.containsKey(key)) {
            return false;
        }
        current = new ArrayList<>();
        groups.put(key, current);
        return true;
    }

    /** Records a meter just registered in the group last {@link #open opened}. */
    <M extends Meter> M own(M meter) {
        current.add(meter);
        return meter;
    }

    /** Removes from the registry every meter of the groups whose key matches. */
    void removeIf(Predicate<String> which) {
        var it = groups.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            if (which.test(e.getKey())) {
                e.getValue().forEach(registry::remove);
                it.remove();
            }
        }
    }
}
