package io.flopwatch.top;

import io.flopwatch.top.Frame.Line;
import io.flopwatch.top.Frame.LineBuilder;
import io.flopwatch.top.Frame.Style;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The renderer of {@code flopwatch top}: a pure function from what is known (the snapshot, the
 * history), what the person chose (the view state) and the terminal's size to a {@link Frame}.
 * No terminal, no clock, no I/O: it is tested with fixed inputs, and {@code top --once} prints
 * its text.
 *
 * <p>The GPU table picks its columns by priority until the width is used: at 80 columns the
 * numbers (MFU, tensor, SM, DRAM, memory, power, clock, temperature, diagnosis); wider terminals
 * add sparklines, the GPU name and bars. The selected GPU's detail panel always shows bars and
 * sparklines.
 */
public final class Screen {

    /** Below this the screen says it is too small instead of drawing a garbled table. */
    public static final int MIN_WIDTH = 40;
    public static final int MIN_HEIGHT = 8;

    /** Bar and sparkline characters: Unicode blocks, or ASCII for terminals without UTF-8. */
    public record Glyphs(char barFull, char barEmpty, String spark, String arrows) {
        public static final Glyphs UNICODE = new Glyphs('█', '░', "▁▂▃▄▅▆▇█", "↑↓");
        public static final Glyphs ASCII = new Glyphs('#', '.', "_.-=+*#@", "up/down");
    }

    /** Where the data comes from, for the title line. */
    public record Context(String source, Glyphs glyphs) {
    }

    private Screen() {
    }

    public static Frame render(TopData data, History history, ViewState state, Context ctx, int width, int height) {
        List<Line> lines = new ArrayList<>();
        if (width < MIN_WIDTH || height < MIN_HEIGHT) {
            lines.add(new LineBuilder(width).add("too small: " + width + "x" + height + " (need " + MIN_WIDTH + "x" + MIN_HEIGHT + ")",
                    Style.WARN).build());
            return pad(lines, width, height);
        }
        lines.add(title(data, state, ctx, width));
        int bodyHeight = height - 2;
        List<Line> body;
        if (state.help()) {
            body = help(ctx, width);
        } else if (!data.nvmlUp() && data.gpus().isEmpty()) {
            body = List.of(new LineBuilder(width).add("", Style.PLAIN).build(),
                    new LineBuilder(width).add(" no GPU readings: " + data.nvmlReason(), Style.WARN).build());
        } else {
            body = switch (state.view()) {
                case GPUS -> gpusView(data, history, state, ctx, width, bodyHeight);
                case WORKLOADS -> workloadsView(data, ctx, width);
                case PROCESSES -> processesView(data, state, width, bodyHeight);
            };
        }
        for (int i = 0; i < Math.min(body.size(), bodyHeight); i++) {
            lines.add(body.get(i));
        }
        while (lines.size() < height - 1) {
            lines.add(new LineBuilder(width).build());
        }
        lines.add(footer(state, ctx, width));
        return new Frame(width, height, lines);
    }

    /** The GPUs in the order the table shows them (up/down move along it). */
    public static List<Integer> gpuOrder(TopData data, ViewState.Sort sort) {
        return sortedGpus(data, sort).stream().map(TopData.Gpu::index).toList();
    }

    // ---- lines shared by every view

    private static Line title(TopData data, ViewState state, Context ctx, int width) {
        LineBuilder b = new LineBuilder(width).fill(Style.TITLE);
        b.add(" flopwatch top  ");
        b.add(data.gpus().size() + (data.gpus().size() == 1 ? " GPU" : " GPUs") + (data.simulated() ? " (simulated)" : ""));
        if (state.paused()) {
            b.add("  PAUSED");
        }
        b.add("  " + ctx.source());
        if (!data.takenAt().isEmpty()) {
            String t = data.takenAt();
            b.add("  " + (t.length() >= 19 ? t.substring(11, 19) + "Z" : t));
        }
        return b.build();
    }

    private static Line footer(ViewState state, Context ctx, int width) {
        return new LineBuilder(width).fill(Style.TITLE)
                .add(" q quit  s sort:" + state.sort().label() + "  " + ctx.glyphs().arrows() + "/0-9 GPU  tab view:"
                        + state.view().name().toLowerCase(Locale.ROOT) + "  p pause  ? help")
                .build();
    }

    private static List<Line> help(Context ctx, int width) {
        String[] rows = {
            "",
            " Keys",
            "   q            quit",
            "   s            sort the GPUs / processes: index, mfu, tensor, memory, power",
            "   " + pad(ctx.glyphs().arrows(), 12) + " select the previous / next GPU (detail panel)",
            "   0-9          select GPU n; again: deselect (Esc too)",
            "   tab          next view: gpus, workloads, processes",
            "   space, p     pause / resume (the data stops, the keys still work)",
            "   ?            this help; any key closes it",
            "",
            " Columns: docs/top.md. MFU = model FLOPs/token x tokens/s / peak (PaLM);",
            " TENSOR, SM, DRAM: GPM activity; DIAG: docs/diagnosis.md.",
        };
        List<Line> out = new ArrayList<>();
        for (String r : rows) {
            out.add(new LineBuilder(width).add(r, r.startsWith(" Keys") ? Style.BOLD : Style.PLAIN).build());
        }
        return out;
    }

    // ---- GPUs view

    /** One column of the GPU table. Lower priority numbers are kept first when space runs out. */
    private record Column(String header, int width, int priority, boolean rightAligned,
                          Function<Row, String> value) {
    }

    private record Row(TopData.Gpu gpu, double mfu, List<Double> mfuHistory, List<Double> tensorHistory,
                       Glyphs glyphs) {
    }

    /** The diagnosis column's least width: "compute_bound", the healthy state, in full. */
    private static final int DIAG_MIN = 13;

    private static List<Column> columns() {
        return List.of(
                new Column("GPU", 3, 0, true, r -> Integer.toString(r.gpu().index())),
                new Column("NAME", 16, 11, false, r -> shortName(r.gpu().name())),
                new Column("MFU", 6, 1, true, r -> pct(r.mfu())),
                new Column("MFU%", 10, 13, false, r -> bar(r.mfu(), 10, r.glyphs())),
                new Column("MFU hist", 12, 10, false, r -> spark(r.mfuHistory(), 12, r.glyphs())),
                new Column("TENSOR", 6, 1, true, r -> pct(r.gpu().tensorActive())),
                new Column("TENSOR%", 10, 14, false, r -> bar(r.gpu().tensorActive(), 10, r.glyphs())),
                new Column("TC hist", 12, 12, false, r -> spark(r.tensorHistory(), 12, r.glyphs())),
                new Column("SM", 5, 2, true, r -> pct0(r.gpu().smActive())),
                new Column("DRAM", 5, 3, true, r -> pct0(r.gpu().dramBandwidth())),
                new Column("MEM", 10, 4, true, r -> memory(r.gpu())),
                new Column("POWER", 8, 5, true, r -> power(r.gpu())),
                new Column("SMCLK", 9, 6, false, r -> clock(r.gpu())),
                new Column("TEMP", 4, 7, true, r -> Double.isNaN(r.gpu().temperatureCelsius()) ? "-"
                        : String.format(Locale.ROOT, "%.0fC", r.gpu().temperatureCelsius())));
    }

    private static List<Column> fit(int width) {
        List<Column> all = columns();
        List<Column> byPriority = new ArrayList<>(all);
        byPriority.sort(Comparator.comparingInt(Column::priority));
        int budget = width - DIAG_MIN - 1;
        List<Column> kept = new ArrayList<>();
        for (Column c : byPriority) {
            if (c.width() + 1 <= budget) {
                kept.add(c);
                budget -= c.width() + 1;
            }
        }
        return all.stream().filter(kept::contains).toList();
    }

    private static List<Line> gpusView(TopData data, History history, ViewState state, Context ctx, int width,
                                       int bodyHeight) {
        List<Line> out = new ArrayList<>();
        int shown = 0;
        for (TopData.Workload w : data.workloads()) {
            if (shown == 2 && data.workloads().size() > 3) {
                out.add(new LineBuilder(width).add(" +" + (data.workloads().size() - 2)
                        + " more workloads (tab: workloads view)", Style.DIM).build());
                break;
            }
            out.add(workloadSummary(w, width));
            shown++;
        }
        if (data.workloads().isEmpty()) {
            out.add(new LineBuilder(width).add(" no workload configured: MFU needs a model and its tokens/s "
                    + "(docs/throughput.md)", Style.DIM).build());
        }
        out.add(new LineBuilder(width).build());
        List<Column> cols = fit(width);
        LineBuilder header = new LineBuilder(width).fill(Style.BOLD);
        for (Column c : cols) {
            header.add(align(c.header(), c.width(), c.rightAligned())).add(" ");
        }
        header.add("DIAG");
        out.add(header.build());
        List<TopData.Gpu> gpus = sortedGpus(data, state.sort());
        // Leave room for the detail panel of the selected GPU when there is some.
        int detailRows = state.selectedGpu() >= 0 ? 8 : 0;
        int room = Math.max(1, bodyHeight - out.size() - detailRows);
        int selectedAt = gpus.stream().map(TopData.Gpu::index).toList().indexOf(state.selectedGpu());
        int first = selectedAt >= room ? selectedAt - room + 2 : 0;
        for (int i = first; i < gpus.size(); i++) {
            if (out.size() >= bodyHeight - detailRows - 1 && i < gpus.size() - 1) {
                out.add(new LineBuilder(width).add(" ... " + (gpus.size() - i) + " more GPUs (" + ctx.glyphs().arrows()
                        + " to scroll)", Style.DIM).build());
                break;
            }
            TopData.Gpu g = gpus.get(i);
            double mfu = data.workloadOn(g.index()).map(TopData.Workload::mfu).orElse(Double.NaN);
            Row row = new Row(g, mfu, history.mfuOf(g.index()), history.tensorActiveOf(g.index()), ctx.glyphs());
            boolean selected = g.index() == state.selectedGpu();
            LineBuilder b = new LineBuilder(width).fill(selected ? Style.SELECTED : Style.PLAIN);
            for (Column c : cols) {
                String v = align(c.value().apply(row), c.width(), c.rightAligned());
                b.add(v, selected ? Style.SELECTED : c.header().equals("MFU") ? Style.BOLD : Style.PLAIN).add(" ");
            }
            int diagWidth = width - b.used();
            String diag = g.up() ? diagnosisWord(g.diagnosis(), diagWidth)
                    : String.format(Locale.ROOT, "STALE %.0fs", g.sampleAgeSeconds());
            b.add(diag, selected ? Style.SELECTED : g.up() ? diagnosisStyle(g.diagnosis()) : Style.BAD);
            out.add(b.build());
        }
        if (state.selectedGpu() >= 0) {
            data.gpu(state.selectedGpu()).ifPresent(g -> {
                out.add(new LineBuilder(width).build());
                out.addAll(detail(data, g, history, ctx, width));
            });
        }
        return out;
    }

    private static List<TopData.Gpu> sortedGpus(TopData data, ViewState.Sort sort) {
        Comparator<TopData.Gpu> byIndex = Comparator.comparingInt(TopData.Gpu::index);
        Comparator<TopData.Gpu> order = switch (sort) {
            case INDEX -> byIndex;
            case MFU -> descending(g -> data.workloadOn(g.index()).map(TopData.Workload::mfu).orElse(Double.NaN));
            case TENSOR -> descending(TopData.Gpu::tensorActive);
            case MEMORY -> descending(g -> (double) g.memoryUsedBytes());
            case POWER -> descending(TopData.Gpu::powerWatts);
        };
        List<TopData.Gpu> l = new ArrayList<>(data.gpus());
        l.sort(order.thenComparing(byIndex));
        return l;
    }

    /** Largest first; unknown (NaN) values last. */
    private static Comparator<TopData.Gpu> descending(java.util.function.ToDoubleFunction<TopData.Gpu> key) {
        return (a, b) -> {
            double x = key.applyAsDouble(a);
            double y = key.applyAsDouble(b);
            if (Double.isNaN(x) || Double.isNaN(y)) {
                return Boolean.compare(Double.isNaN(x), Double.isNaN(y));
            }
            return Double.compare(y, x);
        };
    }

    private static Line workloadSummary(TopData.Workload w, int width) {
        LineBuilder b = new LineBuilder(width);
        b.add(" " + cut(w.name(), 24), Style.BOLD);
        if (width >= 100) {
            b.add(" (" + w.model() + ")");
        }
        b.add("  MFU ").add(pct(w.mfu()), Style.BOLD);
        if (width >= 100) {
            b.add("  HFU " + pct(w.hfu()));
        }
        b.add("  " + count(w.tokensPerSecond(), "tok/s") + "  " + si(w.achievedFlops(), "FLOP/s") + "  ");
        b.add(w.diagnosis(), diagnosisStyle(w.diagnosis()));
        return b.build();
    }

    private static List<Line> detail(TopData data, TopData.Gpu g, History history, Context ctx, int width) {
        List<Line> out = new ArrayList<>();
        Glyphs gl = ctx.glyphs();
        out.add(new LineBuilder(width).add(" GPU " + g.index() + "  " + g.name() + "  " + g.uuid(), Style.BOLD).build());
        int barWidth = Math.max(10, Math.min(30, width - 46));
        int sparkWidth = Math.max(8, Math.min(History.DEFAULT_CAPACITY, width - barWidth - 30));
        double mfu = data.workloadOn(g.index()).map(TopData.Workload::mfu).orElse(Double.NaN);
        out.add(new LineBuilder(width).add("   MFU     " + bar(mfu, barWidth, gl) + " " + align(pct(mfu), 6, true)
                + "  " + spark(history.mfuOf(g.index()), sparkWidth, gl)).build());
        out.add(new LineBuilder(width).add("   tensor  " + bar(g.tensorActive(), barWidth, gl) + " "
                + align(pct(g.tensorActive()), 6, true) + "  " + spark(history.tensorActiveOf(g.index()), sparkWidth, gl))
                .build());
        out.add(new LineBuilder(width).add("   kernel " + pct0(g.kernelActive()) + "  SM active " + pct0(g.smActive())
                + "  DRAM " + pct0(g.dramBandwidth()) + "  clock " + mhz(g.smClockHz()) + "/" + mhz(g.smClockMaxHz())
                + " MHz" + (g.throttle().isEmpty() ? "" : " (" + String.join(", ", g.throttle()) + ")")).build());
        out.add(new LineBuilder(width).add("   memory " + memory(g) + "  power " + power(g) + "  "
                + (Double.isNaN(g.temperatureCelsius()) ? "-" : String.format(Locale.ROOT, "%.0f C",
                g.temperatureCelsius()))).build());
        out.add(new LineBuilder(width).add("   peak " + (g.precision().isEmpty() ? "" : g.precision() + " ")
                + si(g.peakFlops(), "FLOP/s") + "  tensor-active estimate " + si(g.tensorFlopsEstimate(), "FLOP/s"))
                .build());
        List<String> procs = data.processes().stream().filter(p -> p.gpu() == g.index())
                .map(p -> p.pid() + (p.memoryBytes() >= 0 ? " (" + gib(p.memoryBytes()) + ")" : "")).toList();
        LineBuilder last = new LineBuilder(width).add("   diagnosis ").add(g.diagnosis().isEmpty() ? "-" : g.diagnosis(),
                diagnosisStyle(g.diagnosis()));
        last.add("  processes: " + (procs.isEmpty() ? "none" : String.join(", ", procs)));
        out.add(last.build());
        return out;
    }

    // ---- workloads view

    private static List<Line> workloadsView(TopData data, Context ctx, int width) {
        List<Line> out = new ArrayList<>();
        if (data.workloads().isEmpty()) {
            out.add(new LineBuilder(width).build());
            out.add(new LineBuilder(width).add(" no workload configured: MFU needs a model and its tokens/s "
                    + "(docs/throughput.md, docs/configuration.md)", Style.DIM).build());
            return out;
        }
        int barWidth = Math.max(10, Math.min(30, width - 50));
        for (TopData.Workload w : data.workloads()) {
            out.add(new LineBuilder(width).build());
            out.add(new LineBuilder(width).add(" " + w.name(), Style.BOLD).add("  model " + w.model() + "  "
                    + w.mode() + " " + w.precision() + "  GPUs " + ranges(w.gpus())).build());
            LineBuilder mfu = new LineBuilder(width).add("   MFU " + bar(w.mfu(), barWidth, ctx.glyphs()) + " ")
                    .add(pct(w.mfu()), Style.BOLD).add("  HFU " + pct(w.hfu()));
            if (!Double.isNaN(w.reportedMfu())) {
                mfu.add("  self-reported MFU " + pct(w.reportedMfu()));
            }
            out.add(mfu.build());
            out.add(new LineBuilder(width).add("   " + count(w.tokensPerSecond(), "tok/s") + "  x "
                    + si(w.modelFlopsPerToken(), "FLOP/token") + "  = " + si(w.achievedFlops(), "FLOP/s")
                    + "  of peak " + si(w.peakFlops(), "FLOP/s")).build());
            if (!Double.isNaN(w.decodeCeilingTokensPerSecond())) {
                // docs/top.md: the roofline ceiling of one sequence's decode rate on these GPUs
                out.add(new LineBuilder(width).add("   decode ceiling " + count(w.decodeCeilingTokensPerSecond(),
                        "tok/s") + " per sequence (roofline, batch 1: weights + KV cache read every step)").build());
            }
            LineBuilder est = new LineBuilder(width).add("   tensor-active estimate " + pct(w.hardwareEstimateRatio())
                    + " of peak");
            if (!Double.isNaN(w.reportedTflopsPerGpu())) {
                est.add("  self-reported " + String.format(Locale.ROOT, "%.1f", w.reportedTflopsPerGpu())
                        + " TFLOP/s/GPU");
            }
            out.add(est.add("  diagnosis ").add(w.diagnosis(), diagnosisStyle(w.diagnosis())).build());
        }
        return out;
    }

    // ---- processes view

    private static List<Line> processesView(TopData data, ViewState state, int width, int bodyHeight) {
        List<Line> out = new ArrayList<>();
        out.add(new LineBuilder(width).build());
        out.add(new LineBuilder(width).fill(Style.BOLD).add(String.format(Locale.ROOT, "%8s %-10s %3s %9s %4s %-14s %s",
                "PID", "USER", "GPU", "MEM", "SM%", "JOB/POD", "COMMAND")).build());
        List<TopData.Proc> procs = new ArrayList<>(data.processes());
        Comparator<TopData.Proc> order = switch (state.sort()) {
            case MEMORY -> Comparator.comparingLong(TopData.Proc::memoryBytes).reversed();
            default -> Comparator.comparingInt(TopData.Proc::gpu);
        };
        procs.sort(order.thenComparingLong(TopData.Proc::pid));
        for (TopData.Proc p : procs) {
            if (out.size() >= bodyHeight - 1 && p != procs.get(procs.size() - 1)) {
                out.add(new LineBuilder(width).add(" ... " + (procs.size() - out.size() + 2) + " more", Style.DIM)
                        .build());
                break;
            }
            boolean selected = p.gpu() == state.selectedGpu();
            out.add(new LineBuilder(width).fill(selected ? Style.SELECTED : Style.PLAIN).add(String.format(Locale.ROOT,
                    "%8d %-10s %3d %9s %4s %-14s %s", p.pid(), cut(p.user().isEmpty() ? "-" : p.user(), 10), p.gpu(),
                    p.memoryBytes() >= 0 ? gib(p.memoryBytes()) : "-",
                    Double.isNaN(p.smPercent()) ? "-" : String.format(Locale.ROOT, "%.0f", p.smPercent()),
                    cut(p.job().isEmpty() ? "-" : p.job(), 14), p.command().isEmpty() ? "-" : p.command())).build());
        }
        if (procs.isEmpty()) {
            out.add(new LineBuilder(width).add(" no compute processes", Style.DIM).build());
        }
        return out;
    }

    // ---- formatting

    /** The diagnosis label (docs/diagnosis.md), or one short word when the column is narrower. */
    static String diagnosisWord(String label, int width) {
        if (label.isEmpty()) {
            return "-";
        }
        if (label.length() <= width) {
            return label;
        }
        Map<String, String> shortWords = Map.of("compute_bound", "compute", "memory_bound", "memory",
                "communication_bound", "comm", "input_bound", "input", "underutilized_sms", "small_sms",
                "throttled", "throttle");
        return shortWords.getOrDefault(label, label);
    }

    private static Style diagnosisStyle(String label) {
        return switch (label) {
            case "compute_bound" -> Style.GOOD;
            case "idle", "unknown", "" -> Style.DIM;
            default -> Style.WARN;
        };
    }

    static String pct(double ratio) {
        return Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.1f%%", ratio * 100);
    }

    static String pct0(double ratio) {
        return Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.0f%%", ratio * 100);
    }

    static String bar(double ratio, int width, Glyphs g) {
        if (Double.isNaN(ratio)) {
            return "-" + " ".repeat(width - 1);
        }
        int full = (int) Math.round(Math.max(0, Math.min(1, ratio)) * width);
        return String.valueOf(g.barFull()).repeat(full) + String.valueOf(g.barEmpty()).repeat(width - full);
    }

    /** The last {@code width} values on a 0..1 scale (ratios), one character each; NaN as a space. */
    static String spark(List<Double> values, int width, Glyphs g) {
        StringBuilder sb = new StringBuilder();
        int from = Math.max(0, values.size() - width);
        for (int i = from; i < values.size(); i++) {
            double v = values.get(i);
            if (Double.isNaN(v)) {
                sb.append(' ');
            } else {
                int levels = g.spark().length();
                int k = (int) Math.min(levels - 1, Math.max(0, Math.floor(v * levels)));
                sb.append(g.spark().charAt(k));
            }
        }
        return sb.toString();
    }

    private static String memory(TopData.Gpu g) {
        if (g.memoryUsedBytes() < 0 || g.memoryTotalBytes() <= 0) {
            return "-";
        }
        double gib = 1L << 30;
        return String.format(Locale.ROOT, "%.1f/%.0fG", g.memoryUsedBytes() / gib, g.memoryTotalBytes() / gib);
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }

    private static String power(TopData.Gpu g) {
        if (Double.isNaN(g.powerWatts())) {
            return "-";
        }
        return Double.isNaN(g.powerLimitWatts()) ? String.format(Locale.ROOT, "%.0fW", g.powerWatts())
                : String.format(Locale.ROOT, "%.0f/%.0fW", g.powerWatts(), g.powerLimitWatts());
    }

    private static String mhz(double hz) {
        return Double.isNaN(hz) ? "-" : String.format(Locale.ROOT, "%.0f", hz / 1e6);
    }

    /** SM clock in MHz and the first clock event reason in four letters (all of them: detail panel). */
    private static String clock(TopData.Gpu g) {
        String reason = g.throttle().isEmpty() ? "" : " " + switch (g.throttle().get(0)) {
            case "gpu_idle" -> "idle";
            case "applications_clocks_setting" -> "app";
            case "sw_power_cap" -> "pwr";
            case "hw_slowdown" -> "hw";
            case "sync_boost" -> "sync";
            case "sw_thermal_slowdown", "hw_thermal_slowdown" -> "thrm";
            case "hw_power_brake_slowdown" -> "brk";
            case "display_clock_setting" -> "disp";
            default -> "?";
        };
        return mhz(g.smClockHz()) + reason;
    }

    /** SI prefixes as nvidia-smi and Prometheus users read them: 3.17 PFLOP/s, 54.7k tok/s. */
    static String si(double v, String unit) {
        if (Double.isNaN(v)) {
            return "- " + unit;
        }
        String[] prefixes = {"", "k", "M", "G", "T", "P", "E"};
        int p = 0;
        double x = Math.abs(v);
        while (x >= 1000 && p < prefixes.length - 1) {
            x /= 1000;
            p++;
        }
        String n = x >= 100 ? String.format(Locale.ROOT, "%.0f", x) : x >= 10 ? String.format(Locale.ROOT, "%.1f", x)
                : String.format(Locale.ROOT, "%.2f", x);
        return (v < 0 ? "-" : "") + n + " " + prefixes[p] + unit;
    }

    /** A count per second with its prefix on the number: 54.7k tok/s. */
    static String count(double v, String unit) {
        String withPrefix = si(v, "");
        return withPrefix.replace(" ", "") + " " + unit;
    }

    private static String shortName(String name) {
        return name.replace("NVIDIA ", "").replace(" (Simulated)", "*");
    }

    /** "0-7", "0,2,4": the GPU indexes a workload runs on. */
    static String ranges(List<Integer> indexes) {
        List<Integer> s = indexes.stream().sorted().toList();
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < s.size()) {
            int j = i;
            while (j + 1 < s.size() && s.get(j + 1) == s.get(j) + 1) {
                j++;
            }
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(s.get(i));
            if (j > i) {
                sb.append('-').append(s.get(j));
            }
            i = j + 1;
        }
        return sb.length() == 0 ? "-" : sb.toString();
    }

    private static String align(String s, int width, boolean right) {
        String c = cut(s, width);
        String pad = " ".repeat(width - c.length());
        return right ? pad + c : c + pad;
    }

    private static String pad(String s, int width) {
        return align(s, width, false);
    }

    private static String cut(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width);
    }

    private static Frame pad(List<Line> lines, int width, int height) {
        while (lines.size() < height) {
            lines.add(new LineBuilder(width).build());
        }
        return new Frame(width, height, lines.subList(0, height));
    }
}
