package io.flopwatch.top;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.top.ViewState.Sort;
import io.flopwatch.top.ViewState.View;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The renderer without a terminal. The node is the demo's (config/scenarios/
 * demo-8x-h100-training.scenario): 8 simulated H100 80GB HBM3, 81559 MiB each, 700 W limit,
 * 1980 MHz max SM clock, tensor active about 47 %, and the demo's Llama-3-8B job at MFU 40.02 %
 * (DemoCommand: 6838 tok/s per GPU × 57.91 GFLOP/token ÷ 989.5 TFLOP/s). GPU 7 is stale and
 * GPU 6 throttled by the power cap, so that every kind of row is drawn.
 */
class ScreenTest {
    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;
    static final double MFU = 6838 * 57.91e9 / 989.5e12;

    static TopData.Gpu gpu(int i, double tensor, String diagnosis, List<String> throttle, boolean up) {
        return new TopData.Gpu(i, "NVIDIA H100 80GB HBM3 (Simulated)", "GPU-" + i, up, up ? 0.2 : 5.0, 0.98, 0.86,
                tensor, 0.38, 74 * GIB, 81559 * MIB, 640, 700, 1830e6, 1980e6, throttle, 67, diagnosis,
                tensor * 989.5e12, 989.5e12, "bf16");
    }

    static TopData demo() {
        List<TopData.Gpu> gpus = new ArrayList<>();
        List<TopData.Proc> procs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            gpus.add(gpu(i, 0.47 + i / 100.0, i == 6 ? "throttled" : "compute_bound",
                    i == 6 ? List.of("sw_power_cap") : List.of(), i != 7));
            procs.add(new TopData.Proc(31000 + i, i, 72 * GIB, Double.NaN, i == 0 ? "slurm-4242" : "", "", ""));
        }
        TopData.Workload w = new TopData.Workload("llama3-8b-pretrain", "llama-3-8b", "train", "bf16",
                List.of(0, 1, 2, 3, 4, 5, 6, 7), 8 * 6838, 57.91e9, 8 * 6838 * 57.91e9, 8 * 989.5e12, MFU, MFU,
                0.47 * 8 * 989.5e12, 0.41, Double.NaN, "compute_bound", Double.NaN);
        return new TopData("2026-11-28T22:40:01.123Z", true, true, "", gpus, List.of(w), procs);
    }

    static final Screen.Context CONTEXT = new Screen.Context("daemon 127.0.0.1:9479", Screen.Glyphs.ASCII);

    static Frame render(ViewState state, int width, int height) {
        TopData d = demo();
        return Screen.render(d, History.empty().with(d).with(d), state, CONTEXT, width, height);
    }

    static String row(Frame f, String startsWith) {
        return f.lines().stream().map(Frame.Line::text).filter(l -> l.startsWith(startsWith)).findFirst()
                .orElseThrow(() -> new AssertionError("no line starting '" + startsWith + "' in\n" + f.text()));
    }

    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"80, 24", "100, 30", "160, 40", "40, 8", "200, 60"})
    void everyFrameFillsExactlyTheTerminal(int width, int height) {
        for (View v : View.values()) {
            Frame f = render(new ViewState(v, Sort.INDEX, 3, false, false, false), width, height);
            assertEquals(height, f.lines().size());
            f.lines().forEach(l -> assertEquals(width, l.text().length(), "width of '" + l.text() + "'"));
        }
    }

    @Test
    void eightyByTwentyFourShowsEveryGpuWithItsNumbers() {
        Frame f = render(ViewState.initial(), 80, 24);
        String header = row(f, "GPU ");
        for (String column : List.of("MFU", "TENSOR", "SM", "DRAM", "MEM", "POWER", "SMCLK", "TEMP", "DIAG")) {
            assertTrue(header.contains(column), column + " in " + header);
        }
        // GPU 0: MFU 40.0 %, tensor 47 %, SM 86 %, DRAM 38 %, 74 GiB of 81559 MiB (79.6 GiB, shown as 80G)
        assertEquals("  0  40.0%  47.0%   86%   38%   74.0/80G 640/700W 1830       67C compute_bound",
                row(f, "  0 ").stripTrailing());
        assertTrue(row(f, "  6 ").contains("1830 pwr"), "the power cap is named beside the clock");
        assertTrue(row(f, "  6 ").contains("throttled"));
        assertTrue(row(f, "  7 ").contains("STALE 5s"), "a stale GPU says so instead of a diagnosis");
        assertTrue(row(f, " llama3-8b-pretrain").contains("MFU 40.0%"));
        assertTrue(row(f, " llama3-8b-pretrain").contains("54.7k tok/s"), "8 x 6838 = 54704 tok/s");
        assertTrue(row(f, " llama3-8b-pretrain").contains("3.17 PFLOP/s"), "54704 x 57.91e9 = 3.168e15");
        assertTrue(f.lines().get(23).text().startsWith(" q quit  s sort:index"));
    }

    @Test
    void widerTerminalsAddNameBarsAndSparklines() {
        Frame narrow = render(ViewState.initial(), 80, 24);
        Frame wide = render(ViewState.initial(), 200, 30);
        assertFalse(row(narrow, "GPU ").contains("NAME"));
        String header = row(wide, "GPU ");
        for (String column : List.of("NAME", "MFU%", "MFU hist", "TENSOR%", "TC hist")) {
            assertTrue(header.contains(column), column + " in " + header);
        }
        assertTrue(row(wide, "  0 ").contains("H100 80GB HBM3*"), "simulated GPUs are starred");
        // two snapshots of MFU 0.40 in the history: ASCII level floor(0.40 x 8) = 3 -> '='
        assertTrue(row(wide, "  0 ").contains(" == "), row(wide, "  0 "));
        assertTrue(row(wide, " llama3-8b-pretrain").contains("HFU 40.0%"));
    }

    @Test
    void theSelectedGpuGetsADetailPanel() {
        Frame f = render(new ViewState(View.GPUS, Sort.INDEX, 6, false, false, false), 80, 24);
        assertTrue(row(f, " GPU 6").contains("NVIDIA H100 80GB HBM3 (Simulated)"));
        assertTrue(row(f, "   MFU").contains("40.0%"));
        assertTrue(row(f, "   kernel").contains("clock 1830/1980 MHz (sw_power_cap)"));
        assertTrue(row(f, "   diagnosis").contains("throttled"));
        assertTrue(row(f, "   diagnosis").contains("31006 (72.0 GiB)"));
        assertEquals(Frame.Style.SELECTED, f.lines().stream().filter(l -> l.text().startsWith("  6 ")).findFirst()
                .orElseThrow().spans().get(0).style());
    }

    @Test
    void workloadsAndProcessesViews() {
        Frame w = render(new ViewState(View.WORKLOADS, Sort.INDEX, -1, false, false, false), 80, 24);
        assertTrue(row(w, " llama3-8b-pretrain").contains("model llama-3-8b  train bf16  GPUs 0-7"));
        assertTrue(row(w, "   54.7k tok/s").contains("x 57.9 GFLOP/token  = 3.17 PFLOP/s  of peak 7.92 PFLOP/s"));
        assertTrue(row(w, "   tensor-active estimate").contains("47.0% of peak"));
        assertTrue(row(w, "   MFU").contains("self-reported MFU 41.0%"), "the workload's own MFU beside ours");
        Frame p = render(new ViewState(View.PROCESSES, Sort.INDEX, -1, false, false, false), 80, 24);
        assertTrue(row(p, "     PID").contains("JOB/POD"));
        assertTrue(row(p, "   31000").contains("72.0 GiB"));
        assertTrue(row(p, "   31000").contains("slurm-4242"), "the attribution field is shown");
    }

    @Test
    void sortingReordersTheRowsAndUnknownGoesLast() {
        // tensor active grows with the index (0.47 + i/100): by tensor, GPU 7 would be first, but it is stale
        // with a value, so it sorts by value too; by index it is last.
        assertEquals(List.of(7, 6, 5, 4, 3, 2, 1, 0), Screen.gpuOrder(demo(), Sort.TENSOR));
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7), Screen.gpuOrder(demo(), Sort.INDEX));
    }

    @Test
    void helpAndPauseAndTooSmall() {
        Frame help = render(new ViewState(View.GPUS, Sort.INDEX, -1, false, true, false), 80, 24);
        assertTrue(help.text().contains("select GPU n"));
        Frame paused = render(new ViewState(View.GPUS, Sort.INDEX, -1, true, false, false), 80, 24);
        assertTrue(paused.lines().get(0).text().contains("PAUSED"));
        assertTrue(render(ViewState.initial(), 30, 5).text().contains("too small: 30x5"));
    }

    @Test
    void withoutNvmlTheScreenSaysWhy() {
        Frame f = Screen.render(TopData.waiting("NVIDIA driver not loaded (NVML error 9)"), History.empty(),
                ViewState.initial(), CONTEXT, 80, 24);
        assertTrue(f.text().contains("no GPU readings: NVIDIA driver not loaded"));
    }

    static Stream<Arguments> formats() {
        return Stream.of(
                Arguments.of("MFU 0.4002", Screen.pct(0.4002), "40.0%"),
                Arguments.of("unknown ratio", Screen.pct(Double.NaN), "-"),
                Arguments.of("54704 tok/s", Screen.count(54_704, "tok/s"), "54.7k tok/s"),
                Arguments.of("H100 SXM bf16 dense peak (config/gpus.yaml)", Screen.si(989.5e12, "FLOP/s"),
                        "990 TFLOP/s"),
                Arguments.of("Llama-3-8B FLOPs/token at T=8192", Screen.si(57.91e9, "FLOP"), "57.9 GFLOP"),
                Arguments.of("bar at 40 %", Screen.bar(0.40, 10, Screen.Glyphs.ASCII), "####......"),
                Arguments.of("bar clipped at 100 %", Screen.bar(1.3, 4, Screen.Glyphs.ASCII), "####"),
                Arguments.of("spark 0, 0.5, 1, NaN", Screen.spark(List.of(0.0, 0.5, 1.0, Double.NaN), 8,
                        Screen.Glyphs.UNICODE), "▁▅█ "),
                Arguments.of("spark keeps the newest", Screen.spark(List.of(0.0, 0.99, 0.99), 2,
                        Screen.Glyphs.UNICODE), "██"),
                Arguments.of("GPU ranges", Screen.ranges(List.of(0, 1, 2, 3, 6, 7, 9)), "0-3,6-7,9"),
                Arguments.of("diagnosis fits", Screen.diagnosisWord("compute_bound", 13), "compute_bound"),
                Arguments.of("diagnosis in a short word", Screen.diagnosisWord("communication_bound", 13), "comm"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    void formatting(String what, String actual, String expected) {
        assertEquals(expected, actual, what);
    }
}
