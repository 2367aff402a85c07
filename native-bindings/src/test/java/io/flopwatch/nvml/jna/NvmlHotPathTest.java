package io.flopwatch.nvml.jna;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A symbol the loaded library does not export (what an older driver looks like) is looked up
 * once and answers FUNCTION_NOT_FOUND, which the session turns into an absent value.
 */
class NvmlHotPathTest {

    @Test
    void aMissingSymbolIsFunctionNotFound() {
        NvmlHotPath hot = new NvmlHotPath(NvmlLoader.load(List.of(NvmlLoader.SIMULATED_NAME)));
        assertTrue(hot.has("nvmlInit_v2"));
        assertFalse(hot.has("nvmlDeviceGetSomethingFromTheFuture"));
        assertEquals(NvmlHotPath.FUNCTION_NOT_FOUND, hot.call("nvmlDeviceGetSomethingFromTheFuture", 1, 2));
    }
}
