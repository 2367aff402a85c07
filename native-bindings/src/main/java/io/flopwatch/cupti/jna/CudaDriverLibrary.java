package io.flopwatch.cupti.jna;

import com.sun.jna.Library;
import com.sun.jna.ptr.IntByReference;

/**
 * The few CUDA driver API functions ({@code libcuda.so.1}, {@code cuda.h}) that CUPTI's
 * target side needs: the driver must be initialised before {@code cuptiProfilerInitialize},
 * and device indices are the driver's. No CUDA context is created. Return codes are
 * {@code CUresult} (0 = CUDA_SUCCESS).
 */
public interface CudaDriverLibrary extends Library {

    int CUDA_SUCCESS = 0;

    int cuInit(int flags);

    int cuDriverGetVersion(IntByReference driverVersion);

    int cuDeviceGetCount(IntByReference count);

    /** {@code CUdevice} is an {@code int}. */
    int cuDeviceGet(IntByReference device, int ordinal);

    /**
     * The device's PCI bus id as "domain:bus:device.function" (hex), NUL-terminated in
     * {@code pciBusId}; 13 bytes suffice (cuda.h). Lets flopwatch match CUDA's device order,
     * which need not be NVML's, to NVML's devices.
     */
    int cuDeviceGetPCIBusId(byte[] pciBusId, int len, int dev);
}
