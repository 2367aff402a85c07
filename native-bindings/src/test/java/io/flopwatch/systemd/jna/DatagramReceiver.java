package io.flopwatch.systemd.jna;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import io.flopwatch.systemd.NotifySocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The service manager's end, for tests: an {@code AF_UNIX}/{@code SOCK_DGRAM} socket bound to
 * an address, read without blocking. A datagram sent to a local socket is queued before
 * {@code sendto} returns, so a test reads right after sending and never waits.
 */
public final class DatagramReceiver implements AutoCloseable {

    interface ReceiverLibC extends Library {
        int MSG_DONTWAIT = 0x40;
        /** errno EAGAIN on Linux: nothing queued. */
        int EAGAIN = 11;

        int socket(int domain, int type, int protocol) throws LastErrorException;

        int bind(int sockfd, byte[] addr, int addrlen) throws LastErrorException;

        NativeLong recv(int sockfd, byte[] buf, NativeLong len, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private static final ReceiverLibC LIBC = Native.load(Platform.C_LIBRARY_NAME, ReceiverLibC.class);

    private final int fd;

    public DatagramReceiver(NotifySocketAddress address) {
        fd = LIBC.socket(LibC.AF_UNIX, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        byte[] sockaddr = NotifySocketSender.sockaddrUn(address);
        try {
            LIBC.bind(fd, sockaddr, sockaddr.length);
        } catch (LastErrorException e) {
            LIBC.close(fd);
            throw e;
        }
    }

    /** The next queued datagram, or empty when none is queued. */
    public Optional<String> poll() {
        byte[] buf = new byte[4096];
        try {
            int n = LIBC.recv(fd, buf, new NativeLong(buf.length), ReceiverLibC.MSG_DONTWAIT).intValue();
            return Optional.of(new String(buf, 0, n, StandardCharsets.UTF_8));
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ReceiverLibC.EAGAIN) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public void close() {
        LIBC.close(fd);
    }
}
