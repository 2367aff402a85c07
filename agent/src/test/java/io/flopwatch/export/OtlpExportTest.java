package io.flopwatch.export;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.daemon.Agent;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.telemetry.Ticker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * exporters.otlp: Micrometer's OTLP registry pushes the agent's meters (OTLP/HTTP protobuf) to the
 * configured endpoint; a stand-in collector on loopback receives them. Bounded wait on real time
 * (the registry pushes on its own step).
 */
class OtlpExportTest {

    @Test
    void pushesTheAgentsMetricsToTheConfiguredEndpoint() throws Exception {
        BlockingQueue<String> bodies = new LinkedBlockingQueue<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/v1/metrics", ex -> {
            String type = ex.getRequestHeaders().getFirst("Content-Type");
            bodies.add(type + "\n" + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.ISO_8859_1));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        collector.start();
        try {
            Path scenario = Path.of(getClass().getClassLoader().getResource("scenarios/golden-2x-h100.scenario").toURI());
            AgentConfig config = ConfigLoader.parse("otlp-test", """
                    web: {listen_address: "127.0.0.1:0"}
                    exporters:
                      otlp:
                        url: http://127.0.0.1:%d/v1/metrics
                        step: 1s
                    workloads:
                      - {name: w, model: llama-3-8b, seq_len: 8192, throughput: {source: fixed, tokens_per_second: 6000}}
                    """.formatted(collector.getAddress().getPort()));
            try (Agent agent = new Agent(config, NvmlSource.simulated(scenario)::open, Ticker.system(),
                    new PrintWriter(new StringWriter()), "test")) {
                agent.start();
                long giveUp = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                boolean seen = false;
                while (!seen && System.nanoTime() < giveUp) {
                    String body = bodies.poll(500, TimeUnit.MILLISECONDS);
                    seen = body != null && body.startsWith("application/x-protobuf")
                            && body.contains("flopwatch.workload.mfu") && body.contains("flopwatch.gpu.tensor.active");
                }
                assertTrue(seen, "no OTLP push with the workload and GPU metrics within 20 s");
            }
        } finally {
            collector.stop(0);
        }
    }
}
