package io.flopwatch.top;

import java.util.ArrayList;
import java.util.List;

/**
 * One screenful: exactly {@code height} lines of exactly {@code width} cells, each line a list of
 * styled spans. The terminal layer maps {@link Style}s to colors (or, on a monochrome terminal
 * or with NO_COLOR, to bold / reverse only); {@link #text()} is the frame without any styling.
 */
public record Frame(int width, int height, List<Line> lines) {

    public Frame {
        lines = List.copyOf(lines);
    }

    /** How a span looks; what it means, not which color it is. */
    public enum Style { PLAIN, DIM, BOLD, TITLE, SELECTED, GOOD, WARN, BAD }

    public record Span(String text, Style style) {
    }

    public record Line(List<Span> spans) {
        public Line {
            spans = List.copyOf(spans);
        }

        public String text() {
            StringBuilder sb = new StringBuilder();
            spans.forEach(s -> sb.append(s.text()));
            return sb.toString();
        }
    }

    /** The frame as plain text, one line per row, trailing spaces removed. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        for (Line l : lines) {
            sb.append(l.text().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    /** Builds one line, cutting it at the width and padding it to the width. */
    static final class LineBuilder {
        private final int width;
        private final List<Span> spans = new ArrayList<>();
        private int used;
        private Style fill = Style.PLAIN;

        LineBuilder(int width) {
            this.width = width;
        }

        LineBuilder fill(Style s) {
            this.fill = s;
            return this;
        }

        LineBuilder add(String text, Style style) {
            if (used >= width || text.isEmpty()) {
                return this;
            }
            String t = text.length() > width - used ? text.substring(0, width - used) : text;
            spans.add(new Span(t, style));
            used += t.length();
            return this;
        }

        LineBuilder add(String text) {
            return add(text, fill);
        }

        int used() {
            return used;
        }

        Line build() {
            if (used < width) {
                spans.add(new Span(" ".repeat(width - used), fill));
            }
            return new Line(spans);
        }
    }
}
