package io.flopwatch.systemd.jna;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.NativeLong;
import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;

/**
 * The few C library functions a systemd notification needs, with their C names. Java's own
 * {@code UnixDomainSocketAddress} covers stream sockets only, and {@code $NOTIFY_SOCKET} is a
 * datagram socket (sd_notify(3)), so the datagram is sent with {@code socket(2)} and
 * {@code sendto(2)} here. Constants are Linux's (x86-64 and aarch64 agree on all of them).
 * Not part of flopwatch's API: only {@link NotifySocketSender} uses it.
 */
public interface LibC extends Library {

    /** {@code AF_UNIX}, from include/linux/socket.h. */
    int AF_UNIX = 1;
    /** {@code SOCK_DGRAM}, from include/linux/net.h. */
    int SOCK_DGRAM = 2;
    /** {@code SOCK_CLOEXEC} (= O_CLOEXEC, 02000000 octal): a forked child never inherits it. */
    int SOCK_CLOEXEC = 0x80000;
    /** {@code MSG_NOSIGNAL}: no SIGPIPE if the receiver went away. */
    int MSG_NOSIGNAL = 0x4000;
    /** {@code CLOCK_MONOTONIC}, from include/uapi/linux/time.h. */
    int CLOCK_MONOTONIC = 1;

    /** {@code struct timespec { time_t tv_sec; long tv_nsec; }} (both C longs on Linux). */
    @FieldOrder({"tv_sec", "tv_nsec"})
    final class timespec extends Structure {
        public NativeLong tv_sec;
        public NativeLong tv_nsec;
    }

    /** {@code int socket(int domain, int type, int protocol);} */
    int socket(int domain, int type, int protocol) throws LastErrorException;

    /**
     * {@code ssize_t sendto(int sockfd, const void *buf, size_t len, int flags,
     * const struct sockaddr *dest_addr, socklen_t addrlen);} The address is passed as the
     * bytes of a {@code struct sockaddr_un} (see {@link NotifySocketSender}).
     */
    NativeLong sendto(int sockfd, byte[] buf, NativeLong len, int flags, byte[] destAddr, int addrlen)
            throws LastErrorException;

    /** {@code int close(int fd);} */
    int close(int fd) throws LastErrorException;

    /** {@code int clock_gettime(clockid_t clockid, struct timespec *tp);} */
    int clock_gettime(int clockId, timespec tp) throws LastErrorException;
}
