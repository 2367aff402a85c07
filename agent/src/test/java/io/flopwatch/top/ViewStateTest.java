package io.flopwatch.top;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.top.ViewState.Key;
import io.flopwatch.top.ViewState.Sort;
import io.flopwatch.top.ViewState.View;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The keys of docs/top.md as pure state transitions. */
class ViewStateTest {
    static final List<Integer> GPUS = List.of(0, 1, 2, 3);
    static final ViewState START = ViewState.initial();

    static Stream<Arguments> selection() {
        return Stream.of(
                Arguments.of("down from nothing selects the first", -1, Key.DOWN, -1, 0),
                Arguments.of("up from nothing selects the last", -1, Key.UP, -1, 3),
                Arguments.of("down moves along the order", 1, Key.DOWN, -1, 2),
                Arguments.of("down wraps", 3, Key.DOWN, -1, 0),
                Arguments.of("up wraps", 0, Key.UP, -1, 3),
                Arguments.of("a digit selects that GPU", -1, Key.DIGIT, 2, 2),
                Arguments.of("the same digit again deselects", 2, Key.DIGIT, 2, -1),
                Arguments.of("a digit with no such GPU changes nothing", 1, Key.DIGIT, 7, 1),
                Arguments.of("escape deselects", 2, Key.ESCAPE, -1, -1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("selection")
    void selectingAGpu(String why, int selected, Key key, int digit, int expected) {
        ViewState s = new ViewState(View.GPUS, Sort.INDEX, selected, false, false, false);
        assertEquals(expected, s.onKey(key, digit, GPUS).selectedGpu(), why);
    }

    @Test
    void tabCyclesTheViewsAndSortCyclesTheOrders() {
        assertEquals(View.WORKLOADS, START.onKey(Key.TAB, -1, GPUS).view());
        assertEquals(View.PROCESSES, START.onKey(Key.TAB, -1, GPUS).onKey(Key.TAB, -1, GPUS).view());
        assertEquals(View.GPUS, START.onKey(Key.TAB, -1, GPUS).onKey(Key.TAB, -1, GPUS).onKey(Key.TAB, -1, GPUS).view());
        assertEquals(Sort.MFU, START.onKey(Key.SORT, -1, GPUS).sort());
        ViewState s = START;
        for (int i = 0; i < Sort.values().length; i++) {
            s = s.onKey(Key.SORT, -1, GPUS);
        }
        assertEquals(Sort.INDEX, s.sort(), "back to the start after every order");
    }

    @Test
    void pauseHelpAndQuit() {
        assertTrue(START.onKey(Key.PAUSE, -1, GPUS).paused());
        assertFalse(START.onKey(Key.PAUSE, -1, GPUS).onKey(Key.PAUSE, -1, GPUS).paused());
        ViewState help = START.onKey(Key.HELP, -1, GPUS);
        assertTrue(help.help());
        ViewState closed = help.onKey(Key.SORT, -1, GPUS);
        assertFalse(closed.help(), "any key closes the help");
        assertEquals(Sort.INDEX, closed.sort(), "and does nothing else");
        assertTrue(help.onKey(Key.QUIT, -1, GPUS).quit(), "q quits even from the help");
        assertTrue(START.onKey(Key.QUIT, -1, GPUS).quit());
    }
}
