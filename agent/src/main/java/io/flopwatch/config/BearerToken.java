package io.flopwatch.config;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The secret a client must send as {@code Authorization: Bearer <token>} (RFC 6750 §2.1) to use
 * the push endpoint. Only the token's SHA-256 is kept, and {@link #toString} names the file, not
 * the secret, so that a config printed in a log or an error never leaks it.
 */
public final class BearerToken {
    private final Path file;
    private final byte[] sha256;

    private BearerToken(Path file, byte[] sha256) {
        this.file = file;
        this.sha256 = sha256;
    }

    /** @param token the secret as read from {@code file}, surrounding whitespace already removed */
    public static BearerToken of(Path file, String token) {
        if (token.isEmpty()) {
            throw new IllegalArgumentException("empty token");
        }
        return new BearerToken(file, sha256(token));
    }

    public Path file() {
        return file;
    }

    /**
     * Whether an {@code Authorization} header value carries this token. Comparing the digests with
     * {@link MessageDigest#isEqual} takes the same time wherever the first difference is and
     * whatever the length of the presented token, so the answer's timing does not reveal the token.
     */
    public boolean matchesHeader(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(sha256, sha256(authorization.substring(7).trim()));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "BearerToken[file=" + file + "]";
    }
}
