package io.flopwatch.top;

import java.util.List;

/**
 * What the person at the keyboard chose: which view, the sort order, the selected GPU, pause,
 * help. Immutable; {@link #onKey} is a pure function from a key to the next state, so the keys
 * are tested without a terminal.
 *
 * @param selectedGpu the GPU whose detail panel is shown, −1 for none
 */
public record ViewState(View view, Sort sort, int selectedGpu, boolean paused, boolean help, boolean quit) {

    /** The screens {@code tab} cycles through. */
    public enum View { GPUS, WORKLOADS, PROCESSES }

    /** The GPU table's (and process list's) order; {@code s} cycles through them. */
    public enum Sort {
        INDEX("index"), MFU("mfu"), TENSOR("tensor"), MEMORY("memory"), POWER("power");

        private final String label;

        Sort(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** The keys top understands, decoded from the terminal's bytes by the terminal layer. */
    public enum Key { QUIT, SORT, UP, DOWN, TAB, PAUSE, HELP, ESCAPE, DIGIT }

    public static ViewState initial() {
        return new ViewState(View.GPUS, Sort.INDEX, -1, false, false, false);
    }

    /**
     * The state after {@code key}.
     *
     * @param digit      the digit typed, for {@link Key#DIGIT}
     * @param gpuIndexes the GPUs on screen in their displayed order (up/down move along it)
     */
    public ViewState onKey(Key key, int digit, List<Integer> gpuIndexes) {
        if (help && key != Key.QUIT) {
            // Any key closes the help, as in top(1).
            return new ViewState(view, sort, selectedGpu, paused, false, false);
        }
        return switch (key) {
            case QUIT -> new ViewState(view, sort, selectedGpu, paused, help, true);
            case SORT -> new ViewState(view, Sort.values()[(sort.ordinal() + 1) % Sort.values().length], selectedGpu,
                    paused, false, false);
            case TAB -> new ViewState(View.values()[(view.ordinal() + 1) % View.values().length], sort, selectedGpu,
                    paused, false, false);
            case PAUSE -> new ViewState(view, sort, selectedGpu, !paused, false, false);
            case HELP -> new ViewState(view, sort, selectedGpu, paused, true, false);
            case ESCAPE -> new ViewState(view, sort, -1, paused, false, false);
            case UP, DOWN -> new ViewState(view, sort, step(gpuIndexes, key == Key.DOWN ? 1 : -1), paused, false,
                    false);
            case DIGIT -> gpuIndexes.contains(digit)
                    ? new ViewState(view, sort, selectedGpu == digit ? -1 : digit, paused, false, false)
                    : this;
        };
    }

    private int step(List<Integer> order, int delta) {
        if (order.isEmpty()) {
            return -1;
        }
        int at = order.indexOf(selectedGpu);
        if (at < 0) {
            return delta > 0 ? order.get(0) : order.get(order.size() - 1);
        }
        return order.get(Math.floorMod(at + delta, order.size()));
    }
}
