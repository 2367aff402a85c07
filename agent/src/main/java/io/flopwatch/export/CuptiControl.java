package io.flopwatch.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flopwatch.telemetry.cupti.CuptiCollector;
import io.flopwatch.telemetry.cupti.CuptiDevices;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Function;

/**
 * The local control of CUPTI PM sampling on the metrics server (docs/cupti.md, "Pause and
 * resume"): {@code GET /api/v1/cupti} reports each GPU's state, {@code POST /api/v1/cupti/pause}
 * releases the counters (so Nsight Compute can run) and {@code POST /api/v1/cupti/resume} takes
 * them again. Loopback clients only ({@link MetricsServer#addLocalControl}); a POST must carry
 * {@value #HEADER}, which a web page cannot send to another origin without a CORS preflight that
 * flopwatch never answers, so a browser on the node cannot be made to pause it.
 *
 * <p>A POST only asks the decode threads, then waits (at most {@code wait}) until every GPU has
 * applied it, so the reply says whether the counters are free now; no native call is made here.
 */
public final class CuptiControl implements MetricsServer.LocalControl {

    public static final String PATH = "/api/v1/cupti";
    public static final String HEADER = "X-Flopwatch-Control";

    private final CuptiDevices devices;
    private final Duration wait;
    private final ObjectMapper json = new ObjectMapper();

    public CuptiControl(CuptiDevices devices, Duration wait) {
        this.devices = devices;
        this.wait = wait;
    }

    @Override
    public Reply handle(String method, String path, Function<String, String> header) {
        String action = path.equals(PATH) || path.equals(PATH + "/") ? "status"
                : path.startsWith(PATH + "/") ? path.substring(PATH.length() + 1) : "";
        switch (action) {
            case "status" -> {
                if (!method.equals("GET")) {
                    return error(405, "use GET for the status, POST " + PATH + "/pause or /resume to change it");
                }
                return new Reply(200, status(devices.settled()));
            }
            case "pause", "resume" -> {
                if (!method.equals("POST")) {
                    return error(405, "use POST");
                }
                if (header.apply(HEADER) == null) {
                    return error(403, "send the header " + HEADER + ": 1 (flopwatch cupti " + action + " does)");
                }
                if (action.equals("pause")) {
                    devices.pause();
                } else {
                    devices.resume();
                }
                return new Reply(200, status(awaitSettled()));
            }
            default -> {
                return error(404, "unknown; use GET " + PATH + ", POST " + PATH + "/pause or POST " + PATH + "/resume");
            }
        }
    }

    private boolean awaitSettled() {
        long end = System.nanoTime() + wait.toNanos();
        while (!devices.settled()) {
            if (System.nanoTime() - end >= 0) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    private String status(boolean settled) {
        ObjectNode o = json.createObjectNode();
        o.put("mode", devices.mode().name().toLowerCase(Locale.ROOT));
        o.put("paused", devices.paused());
        o.put("settled", settled);
        ArrayNode gpus = o.putArray("gpus");
        for (CuptiDevices.DeviceStatus d : devices.statuses()) {
            CuptiCollector.Status s = d.status();
            ObjectNode g = gpus.addObject();
            g.put("gpu", d.gpu());
            g.put("pci_bus_id", d.pciBusId());
            g.put("state", s.state().name().toLowerCase(Locale.ROOT));
            g.put("condition", s.condition().map(c -> c.name().toLowerCase(Locale.ROOT)).orElse(""));
            g.put("detail", s.detail());
            g.put("buffer_overflows", s.bufferOverflows());
            g.put("sessions_started", s.sessionStarts());
        }
        return o.toString() + "\n";
    }

    private Reply error(int status, String message) {
        ObjectNode o = json.createObjectNode();
        o.put("error", message);
        return new Reply(status, o.toString() + "\n");
    }
}
