package io.flopwatch.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Codes and names from nvmlReturn_t in nvml.h (CUDA 11.8; 26–29 from CUDA 12.x headers). */
class NvmlReturnTest {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
        "0,   NVML_SUCCESS,                        false",
        "1,   NVML_ERROR_UNINITIALIZED,            false",
        "3,   NVML_ERROR_NOT_SUPPORTED,            true",
        "4,   NVML_ERROR_NO_PERMISSION,            true",
        "9,   NVML_ERROR_DRIVER_NOT_LOADED,        false",
        "13,  NVML_ERROR_FUNCTION_NOT_FOUND,       true",
        "15,  NVML_ERROR_GPU_IS_LOST,              false",
        "18,  NVML_ERROR_LIB_RM_VERSION_MISMATCH,  false",
        "25,  NVML_ERROR_ARGUMENT_VERSION_MISMATCH, false",
        "999, NVML_ERROR_UNKNOWN,                  false",
    })
    void namesAndAbsentCodes(int code, String cName, boolean absent) {
        NvmlReturn r = NvmlReturn.of(code);
        assertEquals(cName, r.cName());
        assertEquals(code, r.code());
        assertEquals(absent, r.meansAbsent());
    }

    @ParameterizedTest
    @CsvSource({"-1", "30", "1000"})
    void unknownCodesAreUnrecognized(int code) {
        assertEquals(NvmlReturn.UNRECOGNIZED, NvmlReturn.of(code));
    }
}
