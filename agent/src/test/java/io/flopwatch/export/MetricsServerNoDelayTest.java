package io.flopwatch.export;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The metrics server asks the JDK's HTTP server for TCP_NODELAY: on a kept-alive connection
 * without it, each small scrape waited ~40 ms for Nagle's algorithm and the client's delayed ACK
 * (docs/BENCHMARKS.md, section 3: 1-GPU scrape p50 50 ms before, 2.2 ms after). The property is
 * read once by sun.net.httpserver.ServerConfig; MetricsServer sets it in its static initializer.
 */
class MetricsServerNoDelayTest {

    @Test
    void loadingTheServerClassAsksForNoDelay() throws ClassNotFoundException {
        Class.forName(MetricsServer.class.getName(), true, MetricsServer.class.getClassLoader());
        assertEquals("true", System.getProperty("sun.net.httpserver.nodelay"));
    }
}
