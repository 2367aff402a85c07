package io.flopwatch.top;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;
import org.jline.utils.Display;
import org.jline.utils.InfoCmp.Capability;
import org.jline.utils.NonBlockingReader;

/**
 * The live screen: JLine puts the terminal in raw mode on the alternate screen, reads keys
 * without blocking, reports resizes (SIGWINCH), and its {@link Display} redraws only the cells
 * that changed. Everything shown comes from {@link Screen#render}; this class only moves bytes
 * and time. The terminal is restored on every way out (q, Ctrl-C, an exception).
 */
public final class TopTerminal {

    /** How long one wait for a key lasts: the granularity of refreshes and resizes. */
    private static final long KEY_POLL_MILLIS = 100;

    private final Terminal terminal;
    private final SnapshotFeed feed;
    private final Duration interval;
    private final boolean monochrome;
    private final Screen.Context context;
    private final ProcFs procFs;
    private final ViewState firstState;

    public TopTerminal(Terminal terminal, SnapshotFeed feed, Duration interval, boolean monochrome, boolean ascii,
                       ProcFs procFs, ViewState firstState) {
        this.firstState = firstState;
        this.terminal = terminal;
        this.feed = feed;
        this.interval = interval;
        this.monochrome = monochrome || !hasColors(terminal);
        boolean utf8 = terminal.encoding() != null && terminal.encoding().equals(StandardCharsets.UTF_8);
        this.context = new Screen.Context(feed.describe(), ascii || !utf8 ? Screen.Glyphs.ASCII : Screen.Glyphs.UNICODE);
        this.procFs = procFs;
    }

    /** NO_COLOR (no-color.org): present and not empty means no color. */
    public static boolean noColorRequested(Map<String, String> env) {
        String v = env.get("NO_COLOR");
        return v != null && !v.isEmpty();
    }

    private static boolean hasColors(Terminal t) {
        Integer colors = t.getNumericCapability(Capability.max_colors);
        return colors != null && colors >= 8;
    }

    public void run() throws IOException {
        AtomicBoolean resized = new AtomicBoolean(true);
        AtomicBoolean interrupted = new AtomicBoolean();
        terminal.handle(Terminal.Signal.WINCH, s -> resized.set(true));
        // Raw mode keeps ISIG: Ctrl-C arrives as SIGINT, which must still restore the terminal.
        terminal.handle(Terminal.Signal.INT, s -> interrupted.set(true));
        Attributes saved = terminal.enterRawMode();
        terminal.puts(Capability.enter_ca_mode);
        terminal.puts(Capability.keypad_xmit);
        terminal.puts(Capability.cursor_invisible);
        terminal.flush();
        Display display = new Display(terminal, true);
        try {
            loop(display, resized, interrupted);
        } finally {
            terminal.puts(Capability.cursor_visible);
            terminal.puts(Capability.keypad_local);
            terminal.puts(Capability.exit_ca_mode);
            terminal.flush();
            terminal.setAttributes(saved);
        }
    }

    private void loop(Display display, AtomicBoolean resized, AtomicBoolean interrupted) throws IOException {
        NonBlockingReader reader = terminal.reader();
        ViewState state = firstState;
        TopData data = TopData.waiting("waiting for the first snapshot");
        History history = History.empty();
        long nextFetch = 0;
        boolean dirty = true;
        while (!state.quit() && !interrupted.get()) {
            long now = System.nanoTime();
            if (!state.paused() && now - nextFetch >= 0) {
                try {
                    JsonNode doc = feed.latest();
                    data = procFs.enrich(TopData.parse(doc));
                    history = history.with(data);
                } catch (IOException e) {
                    data = TopData.waiting(feed.describe() + ": " + e.getMessage());
                }
                nextFetch = System.nanoTime() + interval.toNanos();
                dirty = true;
            }
            if (resized.getAndSet(false)) {
                Size size = terminal.getSize();
                display.clear();
                display.resize(size.getRows(), size.getColumns());
                terminal.puts(Capability.clear_screen);
                dirty = true;
            }
            if (dirty) {
                draw(display, data, history, state);
                dirty = false;
            }
            int c = reader.read(KEY_POLL_MILLIS);
            if (c < 0) {
                continue;
            }
            ViewState.Key key = decode(c, reader);
            if (key != null) {
                int digit = c >= '0' && c <= '9' ? c - '0' : -1;
                state = state.onKey(key, digit, Screen.gpuOrder(data, state.sort()));
                dirty = true;
            }
        }
    }

    private void draw(Display display, TopData data, History history, ViewState state) {
        Size size = terminal.getSize();
        int width = size.getColumns() > 0 ? size.getColumns() : 80;
        int height = size.getRows() > 0 ? size.getRows() : 24;
        Frame frame = Screen.render(data, history, state, context, width, height);
        List<AttributedString> lines = new ArrayList<>();
        for (Frame.Line l : frame.lines()) {
            AttributedStringBuilder b = new AttributedStringBuilder();
            for (Frame.Span s : l.spans()) {
                b.style(style(s.style())).append(s.text());
            }
            lines.add(b.toAttributedString());
        }
        // Never write the very last cell: some terminals scroll when it is written.
        if (!lines.isEmpty()) {
            AttributedString last = lines.get(lines.size() - 1);
            lines.set(lines.size() - 1, last.columnSubSequence(0, Math.max(0, width - 1)));
        }
        display.update(lines, -1);
        terminal.flush();
    }

    private AttributedStyle style(Frame.Style s) {
        AttributedStyle plain = AttributedStyle.DEFAULT;
        return switch (s) {
            case PLAIN -> plain;
            case BOLD -> plain.bold();
            case DIM -> monochrome ? plain : plain.faint();
            case TITLE -> plain.inverse();
            case SELECTED -> plain.inverse().bold();
            case GOOD -> monochrome ? plain : plain.foreground(AttributedStyle.GREEN);
            case WARN -> monochrome ? plain.bold() : plain.foreground(AttributedStyle.YELLOW).bold();
            case BAD -> monochrome ? plain.bold().underline() : plain.foreground(AttributedStyle.RED).bold();
        };
    }

    /** The key for byte {@code c}; reads the rest of an escape sequence (arrow keys). */
    static ViewState.Key decode(int c, NonBlockingReader reader) throws IOException {
        switch (c) {
            case 'q', 'Q', 3, 4 -> {
                return ViewState.Key.QUIT;
            }
            case 's', 'S' -> {
                return ViewState.Key.SORT;
            }
            case '\t' -> {
                return ViewState.Key.TAB;
            }
            case ' ', 'p', 'P' -> {
                return ViewState.Key.PAUSE;
            }
            case '?', 'h' -> {
                return ViewState.Key.HELP;
            }
            case 'k' -> {
                return ViewState.Key.UP;
            }
            case 'j' -> {
                return ViewState.Key.DOWN;
            }
            case 27 -> {
                int next = reader.read(50);
                if (next == '[' || next == 'O') {
                    int code = reader.read(50);
                    if (code == 'A') {
                        return ViewState.Key.UP;
                    }
                    if (code == 'B') {
                        return ViewState.Key.DOWN;
                    }
                    return null;
                }
                return ViewState.Key.ESCAPE;
            }
            default -> {
                return c >= '0' && c <= '9' ? ViewState.Key.DIGIT : null;
            }
        }
    }
}
