#!/usr/bin/env python3
"""Reads, with pynvml (nvidia-ml-py / Debian's python3-pynvml), the NVML values that
`flopwatch snapshot --json` also reports, and prints them as one JSON document under
flopwatch's field names and units (Hz, W, J, bytes), so the two can be compared key by key.

--lib loads that NVML library instead of the system's libnvidia-ml.so.1 (the dry run points
it at flopwatch's simulated library); --pynvml adds a directory holding pynvml.py to the path.
"""
import argparse
import ctypes
import json
import os
import sys


def text(v):
    return v.decode() if isinstance(v, bytes) else v


def read(nv):
    def get(fn, *a):
        try:
            return fn(*a)
        except nv.NVMLError as e:
            return {"nvml_error": e.value}
        except Exception as e:  # an older pynvml without this function or argument
            return {"nvml_error": "%s: %s" % (type(e).__name__, e)}

    def ok(v):
        return not (isinstance(v, dict) and "nvml_error" in v)

    doc = {"system": {}, "devices": []}
    doc["system"]["driver_version"] = text(get(nv.nvmlSystemGetDriverVersion))
    doc["system"]["nvml_version"] = text(get(nv.nvmlSystemGetNVMLVersion))
    cuda = get(nv.nvmlSystemGetCudaDriverVersion)
    # flopwatch prints the CUDA driver API version as MAJOR.MINOR (nvml.h: 1000·major + 10·minor).
    doc["system"]["cuda_driver_version"] = ("%d.%d" % (cuda // 1000, (cuda % 1000) // 10)) if ok(cuda) else cuda
    for i in range(nv.nvmlDeviceGetCount()):
        h = nv.nvmlDeviceGetHandleByIndex(i)
        d = {"index": i}
        d["name"] = text(get(nv.nvmlDeviceGetName, h))
        d["uuid"] = text(get(nv.nvmlDeviceGetUUID, h))
        d["serial"] = text(get(nv.nvmlDeviceGetSerial, h))
        pci = get(nv.nvmlDeviceGetPciInfo, h)
        d["pci_bus_id"] = text(pci.busId) if ok(pci) else pci
        cc = get(nv.nvmlDeviceGetCudaComputeCapability, h)
        d["compute_capability"] = "%d.%d" % tuple(cc) if ok(cc) else cc
        d["gpu_cores"] = get(nv.nvmlDeviceGetNumGpuCores, h)
        # flopwatch reads nvmlDeviceGetMemoryInfo_v2 where present (used excludes the reserved
        # memory), v1 otherwise: read the same version.
        mem = get(nv.nvmlDeviceGetMemoryInfo, h, nv.nvmlMemory_v2) if hasattr(nv, "nvmlMemory_v2") else None
        if mem is None or not ok(mem):
            mem = get(nv.nvmlDeviceGetMemoryInfo, h)
        if ok(mem):
            d["memory_total_bytes"], d["memory_used_bytes"] = mem.total, mem.used
        util = get(nv.nvmlDeviceGetUtilizationRates, h)
        if ok(util):
            d["gpu_utilization_percent"], d["memory_utilization_percent"] = util.gpu, util.memory
        for name, t in (("graphics", 0), ("sm", 1), ("memory", 2)):
            v = get(nv.nvmlDeviceGetClockInfo, h, t)
            d["%s_clock_hz" % name] = v * 1000000 if ok(v) else v
            v = get(nv.nvmlDeviceGetMaxClockInfo, h, t)
            d["%s_clock_max_hz" % name] = v * 1000000 if ok(v) else v
        d["performance_state"] = get(nv.nvmlDeviceGetPerformanceState, h)
        p = get(nv.nvmlDeviceGetPowerUsage, h)
        d["power_watts"] = p / 1000.0 if ok(p) else p
        p = get(nv.nvmlDeviceGetEnforcedPowerLimit, h)
        d["power_limit_enforced_watts"] = p / 1000.0 if ok(p) else p
        e = get(nv.nvmlDeviceGetTotalEnergyConsumption, h)
        d["energy_total_joules"] = e / 1000.0 if ok(e) else e
        d["temperature_celsius"] = get(nv.nvmlDeviceGetTemperature, h, nv.NVML_TEMPERATURE_GPU)
        d["pcie_link_generation"] = get(nv.nvmlDeviceGetCurrPcieLinkGeneration, h)
        d["pcie_link_width"] = get(nv.nvmlDeviceGetCurrPcieLinkWidth, h)
        mig = get(nv.nvmlDeviceGetMigMode, h)
        d["mig_mode_current"] = mig[0] if ok(mig) else mig
        sup = get(nv.nvmlGpmQueryDeviceSupport, h)
        d["gpm_supported"] = bool(sup.isSupportedDevice) if ok(sup) else sup
        doc["devices"].append(d)
    return doc


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lib", help="NVML library to load instead of libnvidia-ml.so.1")
    ap.add_argument("--pynvml", help="directory holding pynvml.py")
    args = ap.parse_args()
    if args.pynvml:
        sys.path.insert(0, args.pynvml)
    import pynvml
    if args.lib:
        pynvml.nvmlLib = ctypes.CDLL(os.path.abspath(args.lib))
    pynvml.nvmlInit()
    try:
        doc = read(pynvml)
    finally:
        pynvml.nvmlShutdown()
    doc["pynvml"] = os.path.abspath(pynvml.__file__)
    print(json.dumps(doc, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
