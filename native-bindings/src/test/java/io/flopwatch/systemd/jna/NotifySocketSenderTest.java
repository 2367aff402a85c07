package io.flopwatch.systemd.jna;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.flopwatch.systemd.NotifySocketAddress;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class NotifySocketSenderTest {

    /** struct sockaddr_un per unix(7): sa_family_t (native order) then sun_path. */
    private static byte[] family() {
        return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? new byte[] {1, 0} : new byte[] {0, 1};
    }

    @Test
    void aFilePathIsNulTerminated() {
        byte[] f = family();
        assertArrayEquals(new byte[] {f[0], f[1], '/', 'r', 'u', 'n', 0},
                NotifySocketSender.sockaddrUn(NotifySocketAddress.parse("/run")));
    }

    @Test
    void anAbstractNameStartsWithNulAndHasNoTerminator() {
        // unix(7): "an abstract socket address is distinguished by the fact that sun_path[0]
        // is a null byte; the name is the additional bytes covered by the address length".
        byte[] f = family();
        assertArrayEquals(new byte[] {f[0], f[1], 0, 'a', 'b'},
                NotifySocketSender.sockaddrUn(NotifySocketAddress.parse("@ab")));
    }
}
