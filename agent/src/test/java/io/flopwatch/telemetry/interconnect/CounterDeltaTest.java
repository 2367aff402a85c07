package io.flopwatch.telemetry.interconnect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.OptionalLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CounterDeltaTest {

    // Widths: IBA vol. 1 PortCounters (PortXmitData etc. 32 bits, saturating at all ones) and
    // PortCountersExtended (64 bits), as exposed by drivers/infiniband/core/sysfs.c (see CounterDelta).
    @ParameterizedTest(name = "{0} -> {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # previous           | current              | kind       | delta
            100                  | 350                  | INCREASED  | 250
            # equal readings: an idle port
            7                    | 7                    | INCREASED  | 0
            # 64-bit extended counter, well above 2^32
            238334949937759      | 238335949937759      | INCREASED  | 1000000000
            # above Long.MAX_VALUE as printed by %llu (unsigned)
            9223372036854775808  | 9223372036854775818  | INCREASED  | 10
            # one 32-bit wrap: 2^32-1 - 4294967000 + 1 + 200 = 496
            4294967000           | 200                  | WRAPPED_32 | 496
            # a saturated legacy counter stays at 2^32-1 (IBA: stops at all ones)
            4294967295           | 4294967295           | SATURATED  |
            # reaching saturation in this interval: the increase cannot be told
            4294960000           | 4294967295           | SATURATED  |
            # leaving saturation means it was cleared (perfquery -R), not wrapped
            4294967295           | 12                   | RESET      |
            # a decrease from low in the 32-bit range is a reset, not a wrap
            1000                 | 10                   | RESET      |
            # a 64-bit counter going down: driver reload / reset (2^64 four-octet words take about 23 years at a sustained 800 Gb/s)
            238334949937759      | 5                    | RESET      |
            """)
    void delta(String previous, String current, CounterDelta.Kind kind, Long delta) {
        CounterDelta d = CounterDelta.between(Long.parseUnsignedLong(previous), Long.parseUnsignedLong(current));
        assertEquals(kind, d.kind());
        assertEquals(delta == null ? OptionalLong.empty() : OptionalLong.of(delta), d.delta());
    }
}
