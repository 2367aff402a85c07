package io.flopwatch.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** $NOTIFY_SOCKET forms from sd_notify(3): an absolute path, or "@" for an abstract name. */
class NotifySocketAddressTest {

    @ParameterizedTest
    @CsvSource({
            "/run/systemd/notify, false",   // what systemd sets for system services
            "@/org/freedesktop/systemd1/notify/1, true",   // an abstract name, as in test harnesses
    })
    void readsBothForms(String value, boolean isAbstract) {
        NotifySocketAddress a = NotifySocketAddress.parse(value);
        assertEquals(isAbstract, a.isAbstract());
        assertEquals(value, a.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "run/systemd/notify", "vsock:2:1234"})
    void rejectsWhatItCannotReach(String value) {
        assertThrows(IllegalArgumentException.class, () -> NotifySocketAddress.parse(value));
    }

    @org.junit.jupiter.api.Test
    void aPathMustLeaveRoomForItsNulInSunPath() {
        // unix(7): sun_path is 108 bytes on Linux; a path name is NUL-terminated.
        String fits = "/" + "x".repeat(106);
        String tooLong = "/" + "x".repeat(107);
        assertEquals(fits, NotifySocketAddress.parse(fits).toString());
        assertThrows(IllegalArgumentException.class, () -> NotifySocketAddress.parse(tooLong));
    }
}
