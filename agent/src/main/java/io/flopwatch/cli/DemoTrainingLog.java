package io.flopwatch.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's simulated training job writing its log: one torchtitan step line per period into a
 * temporary file, which the demo agent tails with {@code source: log, format: torchtitan} like
 * any real job's. torchtitan is the preset whose line carries tokens/s directly ({@code tps}, per
 * GPU), so no tokens-per-step setting is involved. The line follows torchtitan's
 * {@code MetricsProcessor.log} format (torchtitan/components/metrics.py; docs/throughput.md).
 *
 * <p>Bounded: the file is emptied every {@link #LINES_PER_FILE} lines (the tailer sees a
 * truncation and reads on from the start), and it is deleted with its folder on {@link #close()}.
 * One daemon thread, whose task catches everything (an escaped exception would silently cancel
 * the schedule).
 */
final class DemoTrainingLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DemoTrainingLog.class);
    static final int LINES_PER_FILE = 3600;

    private final Path dir;
    private final Path file;
    private final long tokensPerGpuPerSecond;
    private final double modelFlopsPerToken;
    private final double peakFlopsPerGpu;
    private final ScheduledExecutorService writer;
    private long step;

    /**
     * Creates the file with its first line already written (so the agent's first cycle has a
     * reading), then appends one line every {@code period}.
     */
    DemoTrainingLog(long tokensPerGpuPerSecond, double modelFlopsPerToken, double peakFlopsPerGpu, Duration period)
            throws IOException {
        this.tokensPerGpuPerSecond = tokensPerGpuPerSecond;
        this.modelFlopsPerToken = modelFlopsPerToken;
        this.peakFlopsPerGpu = peakFlopsPerGpu;
        this.dir = Files.createTempDirectory("flopwatch-demo");
        this.file = dir.resolve("torchtitan-rank0.log");
        writeLine();
        writer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "flopwatch-demo-workload");
            t.setDaemon(true);
            return t;
        });
        writer.scheduleAtFixedRate(() -> {
            try {
                writeLine();
            } catch (IOException | RuntimeException e) {
                LOG.warn("demo workload could not write its log: {}", e.toString());
            }
        }, period.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
    }

    Path file() {
        return file;
    }

    /**
     * One torchtitan step line. Its tflops and mfu are computed as torchtitan does (model FLOPs
     * per token × tps; ÷ the GPU's peak), from the same FLOP count as flopwatch's, so the demo's
     * reported and computed MFU agree.
     */
    static String line(long step, long tokensPerGpuPerSecond, double modelFlopsPerToken, double peakFlopsPerGpu) {
        double tflops = modelFlopsPerToken * tokensPerGpuPerSecond / 1e12;
        double loss = 2.0 + 8.0 / Math.sqrt(step);
        return String.format(Locale.ROOT, "step: %2d  loss: %7.4f  grad_norm: %7.4f  memory: %5.2fGiB(%.2f%%)  "
                        + "tps: %,d  tflops: %,.2f  mfu: %.2f%%", step, loss, 1.0, 61.27, 77.43, tokensPerGpuPerSecond,
                tflops, 100 * tflops * 1e12 / peakFlopsPerGpu);
    }

    private synchronized void writeLine() throws IOException {
        step++;
        StandardOpenOption mode = (step - 1) % LINES_PER_FILE == 0 && step > 1
                ? StandardOpenOption.TRUNCATE_EXISTING : StandardOpenOption.APPEND;
        Files.writeString(file, line(step, tokensPerGpuPerSecond, modelFlopsPerToken, peakFlopsPerGpu) + "\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode);
    }

    @Override
    public void close() {
        writer.shutdownNow();
        try {
            writer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            LOG.debug("demo log not removed: {}", e.toString());
        }
    }
}
