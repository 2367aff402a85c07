package io.flopwatch.top;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The last few values of MFU and tensor-active per GPU, for the sparklines. Immutable: each
 * snapshot gives a new history; the oldest values fall off after {@link #capacity}.
 */
public record History(int capacity, Map<Integer, List<Double>> mfu, Map<Integer, List<Double>> tensorActive) {

    /** Enough for the widest sparkline column; a minute at the default one-second interval. */
    public static final int DEFAULT_CAPACITY = 60;

    public History {
        mfu = copy(mfu);
        tensorActive = copy(tensorActive);
    }

    public static History empty() {
        return new History(DEFAULT_CAPACITY, Map.of(), Map.of());
    }

    /** This history with one more value per GPU of {@code data} (NaN where it has none). */
    public History with(TopData data) {
        Map<Integer, List<Double>> m = new HashMap<>(mfu);
        Map<Integer, List<Double>> t = new HashMap<>(tensorActive);
        for (TopData.Gpu g : data.gpus()) {
            double gpuMfu = data.workloadOn(g.index()).map(TopData.Workload::mfu).orElse(Double.NaN);
            m.put(g.index(), append(m.get(g.index()), gpuMfu));
            t.put(g.index(), append(t.get(g.index()), g.tensorActive()));
        }
        return new History(capacity, m, t);
    }

    public List<Double> mfuOf(int gpu) {
        return mfu.getOrDefault(gpu, List.of());
    }

    public List<Double> tensorActiveOf(int gpu) {
        return tensorActive.getOrDefault(gpu, List.of());
    }

    private List<Double> append(List<Double> old, double v) {
        List<Double> l = new ArrayList<>(old == null ? List.of() : old);
        l.add(v);
        while (l.size() > capacity) {
            l.remove(0);
        }
        return l;
    }

    private static Map<Integer, List<Double>> copy(Map<Integer, List<Double>> m) {
        Map<Integer, List<Double>> c = new HashMap<>();
        m.forEach((k, v) -> c.put(k, List.copyOf(v)));
        return Map.copyOf(c);
    }
}
