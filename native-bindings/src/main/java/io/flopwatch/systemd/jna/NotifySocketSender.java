package io.flopwatch.systemd.jna;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import io.flopwatch.systemd.NotifySocketAddress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Sends one datagram to a notification socket, the way sd_notify(3) does: a fresh
 * {@code AF_UNIX}/{@code SOCK_DGRAM} socket per message, {@code sendto} the address, close.
 * The kernel attaches the sender's credentials, which is how systemd checks
 * {@code NotifyAccess=main}. Thread-safe (no shared state besides the loaded library).
 */
public final class NotifySocketSender {

    private NotifySocketSender() {
    }

    /** The C library, loaded on first use; a load failure is remembered and reported. */
    private static final class Holder {
        static final Object LIBC = load();

        private static Object load() {
            try {
                return Native.load(Platform.C_LIBRARY_NAME, LibC.class);
            } catch (UnsatisfiedLinkError e) {
                return e;
            }
        }
    }

    private static LibC libc() throws IOException {
        Object loaded = Holder.LIBC;
        if (loaded instanceof LibC libc) {
            return libc;
        }
        throw new IOException("cannot load the C library: " + ((Throwable) loaded).getMessage());
    }

    /**
     * @throws IOException with the errno text when the socket cannot be created or the
     *                     datagram is refused (no such socket, nobody listening, queue full)
     */
    public static void send(NotifySocketAddress address, String message) throws IOException {
        LibC libc = libc();
        byte[] payload = message.getBytes(StandardCharsets.UTF_8);
        byte[] sockaddr = sockaddrUn(address);
        int fd;
        try {
            fd = libc.socket(LibC.AF_UNIX, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw new IOException("socket(AF_UNIX, SOCK_DGRAM): " + e.getMessage(), e);
        }
        try {
            long sent = libc.sendto(fd, payload, new NativeLong(payload.length), LibC.MSG_NOSIGNAL,
                    sockaddr, sockaddr.length).longValue();
            if (sent != payload.length) {
                throw new IOException("sendto " + address + ": sent " + sent + " of " + payload.length + " bytes");
            }
        } catch (LastErrorException e) {
            throw new IOException("sendto " + address + ": " + e.getMessage(), e);
        } finally {
            try {
                libc.close(fd);
            } catch (LastErrorException ignored) {
                // A datagram socket has nothing left to flush; a failed close loses nothing.
            }
        }
    }

    /**
     * The bytes of a {@code struct sockaddr_un} and no more: {@code sa_family_t sun_family}
     * (native byte order) then the path. A file path ends with its NUL; an abstract name
     * starts with one and its length is given by the address length alone (unix(7)).
     */
    static byte[] sockaddrUn(NotifySocketAddress address) {
        byte[] path = address.sunPath();
        boolean nulTerminated = !address.isAbstract();
        ByteBuffer b = ByteBuffer.allocate(2 + path.length + (nulTerminated ? 1 : 0)).order(ByteOrder.nativeOrder());
        b.putShort((short) LibC.AF_UNIX).put(path);
        return b.array();
    }

    /** {@code CLOCK_MONOTONIC} in microseconds, the clock of {@code MONOTONIC_USEC=}. */
    public static long monotonicMicros() throws IOException {
        LibC.timespec ts = new LibC.timespec();
        try {
            libc().clock_gettime(LibC.CLOCK_MONOTONIC, ts);
        } catch (LastErrorException e) {
            throw new IOException("clock_gettime(CLOCK_MONOTONIC): " + e.getMessage(), e);
        }
        return ts.tv_sec.longValue() * 1_000_000L + ts.tv_nsec.longValue() / 1_000L;
    }
}
