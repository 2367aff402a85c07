package io.flopwatch.telemetry.interconnect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A hand-built sysfs tree from src/test/resources/sysfs/NAME copied into a temporary directory,
 * with the symlinks listed in NAME.symlinks ("link TAB target", relative like the kernel's) created
 * there: resource copying does not preserve links, and sysfs is mostly links.
 */
public final class SysfsFixture {

    private SysfsFixture() {
    }

    public static Path install(String name, Path into) {
        try {
            URL url = SysfsFixture.class.getClassLoader().getResource("sysfs/" + name);
            if (url == null) {
                throw new IllegalStateException("no fixture sysfs/" + name);
            }
            Path source = Path.of(url.toURI());
            try (Stream<Path> files = Files.walk(source)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Path target = into.resolve(source.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(p, target);
                    }
                }
            }
            URL links = SysfsFixture.class.getClassLoader().getResource("sysfs/" + name + ".symlinks");
            if (links != null) {
                for (String line : Files.readAllLines(Path.of(links.toURI()), StandardCharsets.UTF_8)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    String[] parts = line.split("\t");
                    Path link = into.resolve(parts[0]);
                    Files.createDirectories(link.getParent());
                    Files.createSymbolicLink(link, Path.of(parts[1]));
                }
            }
            return into;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Overwrites one counter file, as the kernel would show a new value. */
    static void write(Path root, String relative, String value) {
        try {
            Files.writeString(root.resolve(relative), value + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
