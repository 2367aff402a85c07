package io.flopwatch.workload;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Numeric key/value pairs as training loops print their metric dicts: Python {@code str(dict)}
 * ({@code 'loss': 2.31}), JSON ({@code "loss": 2.31}) and progress-bar postfixes
 * ({@code loss=2.31}). Keys may contain {@code /} and {@code .} (Lightning's {@code device/mfu}).
 */
final class KeyValues {
    private static final Pattern PAIR = Pattern.compile(
            "(?:['\"]([\\w./-]+)['\"]\\s*:|(?<![\\w./-])([\\w./-]+)=)\\s*(" + Numbers.NUMBER + ")(?![\\w.])");

    private KeyValues() {
    }

    static Map<String, Double> parse(String line) {
        Map<String, Double> out = new HashMap<>();
        Matcher m = PAIR.matcher(line);
        while (m.find()) {
            String key = m.group(1) != null ? m.group(1) : m.group(2);
            Numbers.parse(m.group(3)).ifPresent(v -> out.put(key, v));
        }
        return out;
    }
}
