package io.flopwatch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.telemetry.cupti.CuptiMode;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code cupti} section (docs/configuration.md). */
class CuptiConfigTest {

    @Test
    void offByDefaultWithTheCollectorsDefaults() {
        AgentConfig.Cupti c = ConfigLoader.defaults().cupti();
        assertEquals(CuptiMode.OFF, c.mode());
        assertEquals(Duration.ofMillis(100), c.samplingInterval());
        assertEquals(Duration.ofSeconds(1), c.decodeInterval());
        assertEquals(Duration.ofMinutes(1), c.retryInterval());
        assertEquals(32L << 20, c.hardwareBufferBytes());
        assertEquals(Optional.empty(), c.library());
    }

    /** YAML 1.1 reads bare off/on as booleans: both spellings mean the mode. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "mode: off | OFF",
        "mode: 'off' | OFF",
        "mode: on | ON",
        "mode: \"on\" | ON",
        "mode: auto | AUTO",
        "mode: AUTO | AUTO",
    })
    void modes(String line, CuptiMode expected) {
        assertEquals(expected, ConfigLoader.parse("f.yaml", "cupti:\n  " + line + "\n").cupti().mode());
    }

    @Test
    void tenMillisecondSamplingDecodedEverySecond() {
        AgentConfig.Cupti c = ConfigLoader.parse("f.yaml",
                "cupti:\n  mode: on\n  sampling_interval: 10ms\n  retry_interval: 30s\n  hardware_buffer_bytes: 67108864\n")
                .cupti();
        assertEquals(Duration.ofMillis(10), c.collectorSettings().samplingInterval());
        assertEquals(Duration.ofSeconds(1), c.collectorSettings().decodeInterval());
        assertEquals(Duration.ofSeconds(30), c.collectorSettings().retryInterval());
        assertEquals(64L << 20, c.collectorSettings().hardwareBufferBytes());
        // 1 s of 10 ms samples, twice, plus slack (CuptiCollectorSettings.maxSamplesPerDecode)
        assertEquals(208, c.collectorSettings().maxSamplesPerDecode());
    }

    @Test
    void aSamplingIntervalLongerThanTheDefaultDecodeIntervalIsDecodedAtItsOwnPace() {
        AgentConfig.Cupti c = ConfigLoader.parse("f.yaml", "cupti:\n  sampling_interval: 2s\n").cupti();
        assertEquals(Duration.ofSeconds(2), c.decodeInterval());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "mode: sometimes | f.yaml:2:9: cupti.mode: expected off, auto or on",
        "sampling_interval: 5ms | f.yaml:2:22: cupti.sampling_interval: must be at least 10ms",
        "sampling_interval: 100ms\\ndecode_interval: 50ms | f.yaml:3:20: cupti.decode_interval: must not be shorter",
        "library: /nonexistent/libcupti.so | f.yaml:2:12: cupti.library: file /nonexistent/libcupti.so does not exist",
        "hardware_buffer_bytes: 1024 | f.yaml:2:26: cupti.hardware_buffer_bytes: must be at least 1048576",
        "interval: 1s | f.yaml:2:3: cupti.interval: unknown key",
    })
    void mistakesNameFileLineColumnAndField(String body, String expectedStart) {
        InputError e = assertThrows(InputError.class,
                () -> ConfigLoader.parse("f.yaml", "cupti:\n  " + body.replace("\\n", "\n  ") + "\n"));
        assertTrue(e.getMessage().startsWith(expectedStart), e.getMessage());
    }
}
