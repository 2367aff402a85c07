package io.flopwatch.cupti;

import java.util.List;

/**
 * A configuration image for a metric set on a chip, and the number of passes CUPTI needs to
 * collect it. PM sampling accepts single-pass sets only ({@link #singlePass()}).
 */
public record ConfigImage(String chip, List<String> metrics, byte[] image, int passes) {
    public ConfigImage {
        metrics = List.copyOf(metrics);
        image = image.clone();
    }

    @Override
    public byte[] image() {
        return image.clone();
    }

    public int sizeBytes() {
        return image.length;
    }

    public boolean singlePass() {
        return passes == 1;
    }
}
