package io.flopwatch.workload;

import io.flopwatch.telemetry.Ticker;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Follows log files, given by path or by a glob in the file-name part ({@code /var/log/job/rank*.log}),
 * the way {@code tail -F} does, and hands out complete lines. Polled: the caller calls
 * {@link #poll()} on its own thread; the tailer owns no thread and never sleeps.
 *
 * <h2>Files are followed by identity, not by name</h2>
 * Each open file is keyed by {@link BasicFileAttributes#fileKey()} (device and inode on Linux).
 * Every poll looks at what each path names now:
 * <ul>
 *   <li><b>Rename rotation</b> (logrotate {@code create}, Python's {@code RotatingFileHandler}):
 *       the path names a new inode. The old file stays open and keeps being read, because the
 *       writer may go on appending to it until it reopens; it is closed once it has been idle for
 *       {@link Options#rotateWait()} (measured with the injected {@link Ticker}), and a last line
 *       without a newline is then handed out and counted as {@link Stats#unterminatedLines()}.
 *       The new file is read from its first byte. Old files are always read before newer ones,
 *       so lines come out in the order they were written.</li>
 *   <li><b>Truncation</b> (logrotate {@code copytruncate}, {@code > file}): the same inode is now
 *       shorter than the read position; reading restarts at 0 and {@link Stats#truncations()}
 *       counts it. A partial line kept from before is kept: a writer with {@code O_APPEND} puts the
 *       rest of it at the new end.</li>
 *   <li><b>Deletion</b>: the open file is drained like a renamed one; when the path is created
 *       again it is a new file, read from its start.</li>
 *   <li><b>Files that appear later</b> (a path that did not exist, a new match of a glob) are read
 *       from their first byte; {@link Options#startAtEnd()} applies only to files that exist when
 *       the tailer is opened.</li>
 *   <li>A path that names an inode already open under another name (a glob that also matches the
 *       renamed file) is attached to the open reader, never read twice.</li>
 * </ul>
 *
 * <h2>Lines</h2>
 * A line is complete only at its {@code \n} (a trailing {@code \r} is dropped too); the bytes after
 * the last newline are kept until the newline arrives. A line longer than
 * {@link Options#maxLineBytes()} is skipped whole and counted ({@link Stats#longLinesSkipped()}):
 * at most {@code maxLineBytes} are ever buffered per file. Invalid UTF-8 is decoded with U+FFFD
 * replacement characters and counted ({@link Stats#malformedLines()}). At most
 * {@link Options#maxBytesPerPoll()} bytes are read per file per poll; the rest waits for the
 * next poll, so a large backlog cannot stall the caller.
 *
 * <h2>Known limits</h2>
 * <ul>
 *   <li><b>copytruncate loses lines, inherently.</b> Lines written after the tailer's last read
 *       and before the truncation exist only in the copy (and lines written between the copy and
 *       the truncation exist nowhere). The tailer sees only the truncation, which it counts. Poll
 *       often, or prefer rename rotation. Do not let a glob match the copies
 *       ({@code train.log.1}): a copy is a new inode and would be read again from its start.</li>
 *   <li>A truncation followed, before the next poll, by regrowth past the old read position is
 *       indistinguishable from appending; the tailer then resumes mid-stream at its old offset.</li>
 *   <li>A file renamed and replaced twice between two polls: the middle file is never seen.</li>
 *   <li>Globs are matched in the last path component only; directories are not searched
 *       recursively.</li>
 *   <li>The name is resolved and then opened: a rotation between the two can attach the first
 *       poll's read to the newer file; it is detected on the next poll by identity.</li>
 * </ul>
 *
 * <p>Not thread-safe: one caller polls.
 */
public final class LogTailer implements AutoCloseable {

    /**
     * @param startAtEnd       files present when the tailer opens are read from their end (only
     *                         new lines) rather than from their beginning
     * @param maxLineBytes     longest line kept; longer ones are skipped and counted
     * @param maxBytesPerPoll  most bytes read from one file in one poll
     * @param rotateWait       how long a renamed or deleted file is kept open and read after its
     *                         last new byte, for writers that have not reopened yet
     */
    public record Options(boolean startAtEnd, int maxLineBytes, int maxBytesPerPoll, Duration rotateWait) {
        public static final Options DEFAULTS = new Options(true, 64 * 1024, 8 * 1024 * 1024, Duration.ofSeconds(5));

        public Options {
            if (maxLineBytes < 1) {
                throw new IllegalArgumentException("maxLineBytes must be >= 1: " + maxLineBytes);
            }
            if (maxBytesPerPoll < 1) {
                throw new IllegalArgumentException("maxBytesPerPoll must be >= 1: " + maxBytesPerPoll);
            }
            Objects.requireNonNull(rotateWait, "rotateWait");
            if (rotateWait.isNegative()) {
                throw new IllegalArgumentException("rotateWait must be >= 0: " + rotateWait);
            }
        }

        public Options withStartAtEnd(boolean b) {
            return new Options(b, maxLineBytes, maxBytesPerPoll, rotateWait);
        }

        public Options withMaxLineBytes(int n) {
            return new Options(startAtEnd, n, maxBytesPerPoll, rotateWait);
        }

        public Options withMaxBytesPerPoll(int n) {
            return new Options(startAtEnd, maxLineBytes, n, rotateWait);
        }

        public Options withRotateWait(Duration d) {
            return new Options(startAtEnd, maxLineBytes, maxBytesPerPoll, d);
        }
    }

    /** One complete line, without its line terminator, and the path its file had when opened. */
    public record Line(Path path, String text) {
    }

    /** Counters since the tailer opened; all only grow. */
    public record Stats(long lines, long longLinesSkipped, long malformedLines, long unterminatedLines,
                        long filesOpened, long filesClosed, long truncations, long readErrors) {
    }

    private final List<Path> plainPaths = new ArrayList<>();
    private final List<Path> globDirs = new ArrayList<>();
    private final List<PathMatcher> globMatchers = new ArrayList<>();
    private final Options options;
    private final Ticker ticker;
    /** Open files by identity, oldest first, so older files are drained before newer ones. */
    private final LinkedHashMap<Object, Reader> readers = new LinkedHashMap<>();
    /** What each followed path named at the last poll. */
    private final Map<Path, Object> pathToKey = new HashMap<>();
    private final ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
    private final CharsetDecoder strictUtf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);

    private long lines;
    private long longLinesSkipped;
    private long malformedLines;
    private long unterminatedLines;
    private long filesOpened;
    private long filesClosed;
    private long truncations;
    private long readErrors;

    private LogTailer(List<String> pathsOrGlobs, Options options, Ticker ticker) {
        this.options = Objects.requireNonNull(options, "options");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        for (String p : pathsOrGlobs) {
            Path path = Path.of(p).toAbsolutePath().normalize();
            String name = path.getFileName() == null ? "" : path.getFileName().toString();
            if (isGlob(name)) {
                Path dir = path.getParent();
                if (dir == null || isGlob(dir.toString())) {
                    throw new IllegalArgumentException("a glob may only be in the file name: " + p);
                }
                globDirs.add(dir);
                globMatchers.add(dir.getFileSystem().getPathMatcher("glob:" + name));
            } else {
                plainPaths.add(path);
            }
        }
    }

    /**
     * Opens a tailer on paths and globs; files present now are positioned according to
     * {@link Options#startAtEnd()}. Missing files and directories are not an error: they are
     * picked up when they appear.
     */
    public static LogTailer open(List<String> pathsOrGlobs, Options options, Ticker ticker) {
        LogTailer t = new LogTailer(pathsOrGlobs, options, ticker);
        t.discover(true);
        return t;
    }

    private static boolean isGlob(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0 || s.indexOf('{') >= 0;
    }

    /** Reads what the followed files hold now and returns the complete lines, oldest first. */
    public List<Line> poll() {
        discover(false);
        List<Line> out = new ArrayList<>();
        long now = ticker.nanoTime();
        Iterator<Reader> it = readers.values().iterator();
        while (it.hasNext()) {
            Reader r = it.next();
            boolean followed = pathToKey.containsValue(r.key);
            boolean gotData = r.read(out, now);
            if (!followed && (r.failed || (!gotData && now - r.lastDataNanos >= options.rotateWait().toNanos()))) {
                r.flushUnterminated(out);
                r.close();
                it.remove();
            }
        }
        return out;
    }

    public Stats stats() {
        return new Stats(lines, longLinesSkipped, malformedLines, unterminatedLines, filesOpened, filesClosed,
                truncations, readErrors);
    }

    @Override
    public void close() {
        for (Reader r : readers.values()) {
            r.close();
        }
        readers.clear();
        pathToKey.clear();
    }

    private void discover(boolean initial) {
        TreeSet<Path> candidates = new TreeSet<>(plainPaths);
        for (int i = 0; i < globDirs.size(); i++) {
            PathMatcher m = globMatchers.get(i);
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(globDirs.get(i))) {
                for (Path p : ds) {
                    if (m.matches(p.getFileName()) && Files.isRegularFile(p)) {
                        candidates.add(p);
                    }
                }
            } catch (NoSuchFileException e) {
                // the directory may appear later
            } catch (IOException e) {
                readErrors++;
            }
        }
        pathToKey.keySet().retainAll(candidates);
        for (Path p : candidates) {
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, BasicFileAttributes.class);
            } catch (NoSuchFileException e) {
                pathToKey.remove(p);
                continue;
            } catch (IOException e) {
                readErrors++;
                pathToKey.remove(p);
                continue;
            }
            if (!a.isRegularFile()) {
                continue;
            }
            Object key = identity(p, a);
            pathToKey.put(p, key);
            Reader existing = readers.get(key);
            if (existing != null) {
                continue; // another name of a file already open (a glob matching the renamed file)
            }
            try {
                FileChannel ch = FileChannel.open(p, StandardOpenOption.READ);
                long start = initial && options.startAtEnd() ? ch.size() : 0;
                Reader r = new Reader(key, p, ch, start, ticker.nanoTime());
                if (start > 0 && !endsWithNewline(ch, start)) {
                    // started in the middle of a line: its head is not ours to parse
                    r.skippingLongLine = true;
                }
                readers.put(key, r);
                filesOpened++;
            } catch (NoSuchFileException e) {
                pathToKey.remove(p);
            } catch (IOException e) {
                readErrors++;
                pathToKey.remove(p);
            }
        }
    }

    private static boolean endsWithNewline(FileChannel ch, long size) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        return ch.read(one, size - 1) == 1 && one.get(0) == '\n';
    }

    private static Object identity(Path p, BasicFileAttributes a) {
        Object key = a.fileKey();
        if (key != null) {
            return key;
        }
        try {
            return Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            // No identity on this file system: name and creation time is the best left.
            return p + "@" + a.creationTime();
        }
    }

    /** One open file. */
    private final class Reader {
        final Object key;
        /** The name the file had when opened; lines keep it across renames. */
        final Path path;
        final FileChannel channel;
        long position;
        long lastDataNanos;
        boolean failed;
        byte[] partial = new byte[256];
        int partialLength;
        boolean skippingLongLine;

        Reader(Object key, Path path, FileChannel channel, long position, long nowNanos) {
            this.key = key;
            this.path = path;
            this.channel = channel;
            this.position = position;
            this.lastDataNanos = nowNanos;
        }

        /** Reads new bytes into lines; returns whether there were any. */
        boolean read(List<Line> out, long nowNanos) {
            boolean any = false;
            try {
                long size = channel.size();
                if (size < position) {
                    truncations++;
                    position = 0;
                }
                long budget = options.maxBytesPerPoll();
                while (budget > 0) {
                    chunk.clear();
                    if (budget < chunk.capacity()) {
                        chunk.limit((int) budget);
                    }
                    int n = channel.read(chunk, position);
                    if (n <= 0) {
                        break;
                    }
                    any = true;
                    position += n;
                    budget -= n;
                    split(chunk.array(), n, out);
                }
            } catch (IOException e) {
                readErrors++;
                failed = true;
            }
            if (any) {
                lastDataNanos = nowNanos;
            }
            return any;
        }

        private void split(byte[] buf, int n, List<Line> out) {
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (buf[i] != '\n') {
                    continue;
                }
                if (skippingLongLine) {
                    skippingLongLine = false;
                } else {
                    append(buf, start, i - start);
                    if (!skippingLongLine) {
                        emit(out);
                    } else {
                        skippingLongLine = false;
                    }
                }
                partialLength = 0;
                start = i + 1;
            }
            if (start < n && !skippingLongLine) {
                append(buf, start, n - start);
            }
        }

        /** Adds bytes to the pending line, or starts skipping it once it grows past the limit. */
        private void append(byte[] buf, int off, int len) {
            if (partialLength + (long) len > options.maxLineBytes() + 1L) {
                // +1 leaves room for a '\r' before the newline of a line of exactly maxLineBytes
                longLinesSkipped++;
                skippingLongLine = true;
                partialLength = 0;
                return;
            }
            if (partialLength + len > partial.length) {
                partial = Arrays.copyOf(partial, Math.max(partial.length * 2, partialLength + len));
            }
            System.arraycopy(buf, off, partial, partialLength, len);
            partialLength += len;
        }

        private void emit(List<Line> out) {
            int len = partialLength;
            if (len > 0 && partial[len - 1] == '\r') {
                len--;
            }
            if (len > options.maxLineBytes()) {
                longLinesSkipped++;
                return;
            }
            out.add(new Line(path, decode(partial, len)));
            lines++;
        }

        void flushUnterminated(List<Line> out) {
            if (partialLength > 0 && !skippingLongLine) {
                unterminatedLines++;
                emit(out);
            }
            partialLength = 0;
        }

        void close() {
            try {
                channel.close();
            } catch (IOException e) {
                readErrors++;
            }
            filesClosed++;
        }
    }

    private String decode(byte[] bytes, int len) {
        try {
            CharBuffer cb = strictUtf8.reset().decode(ByteBuffer.wrap(bytes, 0, len));
            return cb.toString();
        } catch (CharacterCodingException e) {
            malformedLines++;
            return new String(bytes, 0, len, StandardCharsets.UTF_8); // replaces with U+FFFD
        }
    }
}
