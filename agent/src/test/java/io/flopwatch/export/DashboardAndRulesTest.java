package io.flopwatch.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Static checks of config/grafana/flopwatch-dashboard.json and config/prometheus/flopwatch-rules.yml
 * that need no Prometheus: every flopwatch metric they name is documented in docs/metrics.md (the
 * list of what the agent exports), every recording rule the dashboard reads is defined, every panel
 * queries through the dashboard's data source variable, panel ids are unique and panels do not
 * overlap. PrometheusIntegrationTest runs the expressions against a real Prometheus.
 */
class DashboardAndRulesTest {

    static final Path DASHBOARD = Path.of("../config/grafana/flopwatch-dashboard.json");
    static final Path RULES = Path.of("../config/prometheus/flopwatch-rules.yml");
    static final Path METRICS_DOC = Path.of("../docs/metrics.md");
    /** A metric name not preceded by a name character or ':' (so recording-rule names are skipped). */
    static final Pattern METRIC = Pattern.compile("(?<![\\w:])flopwatch_[a-z0-9_]+");
    static final Pattern RECORDED = Pattern.compile("workload:flopwatch_[a-z0-9_]+:[a-z]+");

    final ObjectMapper json = new ObjectMapper();

    @Test
    void everyMetricNamedIsDocumented() throws Exception {
        Set<String> documented = names(METRIC, Files.readString(METRICS_DOC));
        for (Path file : new Path[] {DASHBOARD, RULES}) {
            Set<String> unknown = names(METRIC, Files.readString(file));
            unknown.removeAll(documented);
            assertEquals(Set.of(), unknown, file + " names metrics docs/metrics.md does not list");
        }
    }

    @Test
    void everyRecordingRuleTheDashboardReadsIsDefined() throws Exception {
        Set<String> defined = new HashSet<>();
        Matcher m = Pattern.compile("record:\\s*(\\S+)").matcher(Files.readString(RULES));
        while (m.find()) {
            defined.add(m.group(1));
        }
        Set<String> used = names(RECORDED, Files.readString(DASHBOARD));
        assertTrue(used.contains("workload:flopwatch_workload_mfu:ratio"), "the fleet row shows job MFU");
        used.removeAll(defined);
        assertEquals(Set.of(), used);
    }

    @Test
    void panelsUseTheDataSourceVariableHaveUniqueIdsAndDoNotOverlap() throws Exception {
        JsonNode dashboard = json.readTree(DASHBOARD.toFile());
        assertEquals(39, dashboard.path("schemaVersion").asInt());
        Set<Integer> ids = new HashSet<>();
        Set<String> cells = new HashSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertTrue(ids.add(panel.path("id").asInt()), "duplicate id " + panel.path("id"));
            JsonNode pos = panel.path("gridPos");
            assertTrue(pos.path("x").asInt() + pos.path("w").asInt() <= 24, panel.path("title") + " wider than the grid");
            for (int x = pos.path("x").asInt(); x < pos.path("x").asInt() + pos.path("w").asInt(); x++) {
                for (int y = pos.path("y").asInt(); y < pos.path("y").asInt() + pos.path("h").asInt(); y++) {
                    assertTrue(cells.add(x + "," + y), panel.path("title") + " overlaps another panel at " + x + "," + y);
                }
            }
            for (JsonNode target : panel.path("targets")) {
                assertEquals("${datasource}", target.at("/datasource/uid").asText(), panel.path("title").asText());
            }
        }
        Set<String> variables = new TreeSet<>();
        dashboard.at("/templating/list").forEach(v -> variables.add(v.path("name").asText()));
        assertEquals(new TreeSet<>(Set.of("datasource", "instance", "gpu", "workload")), variables);
    }

    static Set<String> names(Pattern pattern, String text) {
        Set<String> found = new TreeSet<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            found.add(m.group());
        }
        return found;
    }
}
