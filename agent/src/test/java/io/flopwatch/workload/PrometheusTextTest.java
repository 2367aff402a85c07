package io.flopwatch.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

    static String fixture(String name) throws IOException {
        try (InputStream in = PrometheusTextTest.class.getResourceAsStream("/metrics/" + name)) {
            if (in == null) {
                throw new IOException("fixture missing: " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void readsTheCornersOfTheFormat() throws IOException {
        // edge-cases.prom: the documentation's own example lines plus corner cases
        PrometheusText.Parsed p = PrometheusText.parse(fixture("edge-cases.prom"));
        List<PrometheusText.Sample> s = p.samples();
        assertEquals(new PrometheusText.Sample("http_requests_total", Map.of("method", "post", "code", "200"), 1027),
                s.get(0));
        assertEquals(3, s.get(1).value());
        assertEquals(Map.of("path", "C:\\DIR\\FILE.TXT", "error", "Cannot find file:\n\"FILE.TXT\""), s.get(2).labels());
        assertEquals(1.458255915e9, s.get(2).value());
        assertEquals(12.47, s.get(3).value());
        assertEquals(Map.of(), s.get(3).labels());
        assertEquals(Double.POSITIVE_INFINITY, s.get(4).value());
        assertTrue(Double.isNaN(s.get(5).value()));
        assertEquals(Double.NEGATIVE_INFINITY, s.get(6).value());
        assertEquals(Map.of("a", "1"), s.get(7).labels());
        assertEquals(Map.of("a", "x", "b", "y"), s.get(8).labels());
        assertEquals("colon:name:total", s.get(9).name());
        assertEquals(10, s.size());
        assertEquals(4, p.malformedLines(), "the last four lines are not samples");
    }

    @Test
    void crlfAndEmptyPages() {
        assertEquals(List.of(new PrometheusText.Sample("a", Map.of(), 1)), PrometheusText.parse("a 1\r\n").samples());
        assertEquals(0, PrometheusText.parse("").samples().size());
        assertEquals(0, PrometheusText.parse("# EOF\n").malformedLines());
    }
}
