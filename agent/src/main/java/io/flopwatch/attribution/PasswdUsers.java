package io.flopwatch.attribution;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * User names by uid from a passwd(5) file. In a container the host's file must be mounted (the
 * image's /etc/passwd knows other users); users only in LDAP/NSS are shown by number. The file is
 * re-read when its modification time changes.
 */
public final class PasswdUsers {
    private final Optional<Path> file;
    private Map<Long, String> names = Map.of();
    private FileTime readAt;

    public PasswdUsers(Optional<Path> file) {
        this.file = file;
    }

    /** The user's name, or the uid as a number when the file has no entry. */
    public synchronized String name(long uid) {
        if (file.isPresent()) {
            try {
                FileTime t = Files.getLastModifiedTime(file.get());
                if (!t.equals(readAt)) {
                    names = parse(Files.readString(file.get(), StandardCharsets.UTF_8));
                    readAt = t;
                }
            } catch (IOException e) {
                // not there: numbers only
            }
        }
        return names.getOrDefault(uid, Long.toString(uid));
    }

    /** name:password:uid:gid:gecos:home:shell, one a line; '#' lines and malformed ones skipped. */
    static Map<Long, String> parse(String text) {
        Map<Long, String> out = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.split(":", -1);
            if (line.startsWith("#") || f.length < 3 || f[0].isEmpty()) {
                continue;
            }
            try {
                out.putIfAbsent(Long.parseLong(f[2].trim()), f[0]);
            } catch (NumberFormatException e) {
                // skip
            }
        }
        return Map.copyOf(out);
    }
}
