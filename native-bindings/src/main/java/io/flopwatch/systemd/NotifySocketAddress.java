package io.flopwatch.systemd;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Where {@code $NOTIFY_SOCKET} points: a file system path ({@code /run/systemd/notify}) or a
 * Linux abstract-namespace name (written with a leading {@code @}), as sd_notify(3) reads it.
 * Other forms (systemd 254's {@code vsock:}) are rejected: flopwatch runs on the host.
 *
 * @param sunPath the bytes of {@code sun_path}: the path, or for an abstract name a NUL
 *                followed by the name
 */
public record NotifySocketAddress(byte[] sunPath) {

    /** {@code sizeof(sun_path)} on Linux; a file path also needs room for its NUL. */
    static final int SUN_PATH_BYTES = 108;

    public NotifySocketAddress {
        sunPath = sunPath.clone();
    }

    /**
     * @throws IllegalArgumentException when the value is empty, neither absolute nor
     *                                  abstract, or too long for {@code sun_path}
     */
    public static NotifySocketAddress parse(String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("NOTIFY_SOCKET is empty");
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (value.charAt(0) == '@') {
            if (bytes.length > SUN_PATH_BYTES) {
                throw new IllegalArgumentException("NOTIFY_SOCKET abstract name longer than "
                        + (SUN_PATH_BYTES - 1) + " bytes: " + value);
            }
            bytes[0] = 0;
            return new NotifySocketAddress(bytes);
        }
        if (value.charAt(0) != '/') {
            throw new IllegalArgumentException(
                    "NOTIFY_SOCKET is neither an absolute path nor an abstract name (@...): " + value);
        }
        if (bytes.length >= SUN_PATH_BYTES) {
            throw new IllegalArgumentException("NOTIFY_SOCKET path longer than "
                    + (SUN_PATH_BYTES - 1) + " bytes: " + value);
        }
        return new NotifySocketAddress(bytes);
    }

    public boolean isAbstract() {
        return sunPath.length > 0 && sunPath[0] == 0;
    }

    @Override
    public byte[] sunPath() {
        return sunPath.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NotifySocketAddress other && Arrays.equals(sunPath, other.sunPath);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(sunPath);
    }

    @Override
    public String toString() {
        String text = new String(sunPath, StandardCharsets.UTF_8);
        return isAbstract() ? "@" + text.substring(1) : text;
    }
}
