package io.flopwatch.nvml;

import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Memory-reliability counters of a device. Absent when NVML does not offer them (ECC off,
 * page retirement replaced by row remapping on Ampere and newer, …).
 *
 * @param eccCorrectedVolatile     corrected (single-bit) ECC errors since the driver loaded
 * @param eccUncorrectedVolatile   uncorrected (double-bit) ECC errors since the driver loaded
 * @param eccCorrectedAggregate    corrected ECC errors over the device's lifetime
 * @param eccUncorrectedAggregate  uncorrected ECC errors over the device's lifetime
 * @param retiredPagesSingleBit    pages retired for multiple single-bit errors
 * @param retiredPagesDoubleBit    pages retired for a double-bit error
 * @param remappedRowsCorrectable  rows remapped for correctable errors
 * @param remappedRowsUncorrectable rows remapped for uncorrectable errors
 * @param remappingPending         1 when a remapping waits for a GPU reset
 * @param remappingFailed          1 when a remapping failed
 */
public record Reliability(OptionalLong eccCorrectedVolatile, OptionalLong eccUncorrectedVolatile,
                          OptionalLong eccCorrectedAggregate, OptionalLong eccUncorrectedAggregate,
                          OptionalInt retiredPagesSingleBit, OptionalInt retiredPagesDoubleBit,
                          OptionalInt remappedRowsCorrectable, OptionalInt remappedRowsUncorrectable,
                          OptionalInt remappingPending, OptionalInt remappingFailed) {
}
