#!/usr/bin/env python3
"""Reads every value Debian's pynvml can read from an NVML library and prints ONE JSON document.

flopwatch uses it as a peer binding: pointed at the simulated NVML library (libnvidia-ml-sim.so)
with a scenario, its readings must equal those of flopwatch's own JNA bindings and the scenario.

    FLOPWATCH_SIM_SCENARIO=<scenario> FLOPWATCH_SIM_CLOCK=frozen:<s> \\
      python3 pynvml_read.py --lib <libnvidia-ml-sim.so> [--pynvml <dir holding pynvml.py>]

Key names are stable and carry their unit. With --format flat it prints one `a.b.0=value` line per
value instead (lists also get `a.b.size=N`), for readers without a JSON parser. A value NVML does not give is null and its
nvmlReturn_t code is under the device's "errors" (key -> code). Exit status: 0 on success,
2 if nvmlInit fails (the JSON then has "init_error" and, for the simulator, "sim_last_error").
"""
import argparse
import ctypes
import json
import os
import sys

DEFAULT_PYNVML_DIR = os.path.expanduser(
    "~/.cache/flopwatch/test-packages/root/usr/lib/python3/dist-packages")

CLOCKS = {"graphics": 0, "sm": 1, "mem": 2, "video": 3}
# NVML_FI_* ids read by default (nvml.h, CUDA 11.8): total energy, NVLink link count, NVLink
# data TX/RX counters (per link and, in the simulator, 0xFFFFFFFF = all links), NVLink state.
FIELD_TOTAL_ENERGY = 83
FIELD_NVLINK_LINK_COUNT = 91
FIELD_NVLINK_DATA_TX = 138
FIELD_NVLINK_DATA_RX = 139
FIELD_NVLINK_GET_STATE = 165
ALL_LINKS = 0xFFFFFFFF
# GPM metric ids of the CUDA 11.8 nvmlGpmMetricId_t enumeration (1..97 with gaps).
GPM_METRIC_IDS = [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 20, 21] + list(range(30, 38)) + \
    list(range(40, 48)) + [50] + list(range(60, 98))


def text(v):
    return v.decode() if isinstance(v, bytes) else v


class Reader:
    def __init__(self, pynvml):
        self.nv = pynvml

    def read(self, out, errors, key, fn, *args):
        """out[key] = fn(*args), or None with errors[key] = the NVML return code."""
        try:
            out[key] = fn(*args)
        except self.nv.NVMLError as e:
            out[key] = None
            errors[key] = e.value
        return out[key]

    def device(self, index, args):
        nv = self.nv
        d = {"index": index}
        err = {}
        h = nv.nvmlDeviceGetHandleByIndex(index)
        r = lambda key, fn, *a: self.read(d, err, key, fn, h, *a)

        r("index_from_handle", nv.nvmlDeviceGetIndex)
        d["name"] = text(r("name", nv.nvmlDeviceGetName))
        d["uuid"] = text(r("uuid", nv.nvmlDeviceGetUUID))
        d["serial"] = text(r("serial", nv.nvmlDeviceGetSerial))
        pci = r("pci", nv.nvmlDeviceGetPciInfo_v3)
        if pci is not None:
            d["pci"] = {
                "bus_id": text(pci.busId), "bus_id_legacy": text(pci.busIdLegacy),
                "domain": pci.domain, "bus": pci.bus, "device": pci.device,
                "pci_device_id": pci.pciDeviceId, "pci_subsystem_id": pci.pciSubSystemId,
            }
            # Handle lookups must land on the same device.
            d["handle_by_pci_bus_id_index"] = nv.nvmlDeviceGetIndex(
                nv.nvmlDeviceGetHandleByPciBusId(pci.busId))
        if d["uuid"]:
            d["handle_by_uuid_index"] = nv.nvmlDeviceGetIndex(nv.nvmlDeviceGetHandleByUUID(d["uuid"]))
        r("architecture", nv.nvmlDeviceGetArchitecture)
        cc = r("cuda_compute_capability", nv.nvmlDeviceGetCudaComputeCapability)
        if cc is not None:
            d["cuda_compute_capability"] = list(cc)
        r("gpu_cores", nv.nvmlDeviceGetNumGpuCores)
        r("minor_number", nv.nvmlDeviceGetMinorNumber)

        mem = r("memory", nv.nvmlDeviceGetMemoryInfo)
        if mem is not None:
            d["memory"] = {"total_bytes": mem.total, "free_bytes": mem.free, "used_bytes": mem.used}
        mem2 = r("memory_v2", nv.nvmlDeviceGetMemoryInfo, nv.nvmlMemory_v2)
        if mem2 is not None:
            d["memory_v2"] = {"version": mem2.version, "total_bytes": mem2.total,
                              "reserved_bytes": mem2.reserved, "free_bytes": mem2.free,
                              "used_bytes": mem2.used}
        bar1 = r("bar1", nv.nvmlDeviceGetBAR1MemoryInfo)
        if bar1 is not None:
            d["bar1"] = {"total_bytes": bar1.bar1Total, "free_bytes": bar1.bar1Free,
                         "used_bytes": bar1.bar1Used}

        util = r("utilization", nv.nvmlDeviceGetUtilizationRates)
        if util is not None:
            d["utilization"] = {"gpu_percent": util.gpu, "memory_percent": util.memory}
        enc = r("encoder", nv.nvmlDeviceGetEncoderUtilization)
        if enc is not None:
            d["encoder"] = {"util_percent": enc[0], "sampling_period_us": enc[1]}
        dec = r("decoder", nv.nvmlDeviceGetDecoderUtilization)
        if dec is not None:
            d["decoder"] = {"util_percent": dec[0], "sampling_period_us": dec[1]}

        for name, t in CLOCKS.items():
            r("clock_%s_mhz" % name, nv.nvmlDeviceGetClockInfo, t)
            r("max_clock_%s_mhz" % name, nv.nvmlDeviceGetMaxClockInfo, t)
            r("app_clock_%s_mhz" % name, nv.nvmlDeviceGetApplicationsClock, t)
        r("pstate", nv.nvmlDeviceGetPerformanceState)
        r("clocks_throttle_reasons", nv.nvmlDeviceGetCurrentClocksThrottleReasons)

        r("power_milliwatts", nv.nvmlDeviceGetPowerUsage)
        r("enforced_power_limit_milliwatts", nv.nvmlDeviceGetEnforcedPowerLimit)
        r("power_management_limit_milliwatts", nv.nvmlDeviceGetPowerManagementLimit)
        r("total_energy_millijoules", nv.nvmlDeviceGetTotalEnergyConsumption)
        r("temperature_gpu_celsius", nv.nvmlDeviceGetTemperature, nv.NVML_TEMPERATURE_GPU)
        r("fan_speed_percent", nv.nvmlDeviceGetFanSpeed)

        r("pcie_tx_kilobytes_per_second", nv.nvmlDeviceGetPcieThroughput, nv.NVML_PCIE_UTIL_TX_BYTES)
        r("pcie_rx_kilobytes_per_second", nv.nvmlDeviceGetPcieThroughput, nv.NVML_PCIE_UTIL_RX_BYTES)
        r("pcie_link_generation_current", nv.nvmlDeviceGetCurrPcieLinkGeneration)
        r("pcie_link_generation_max", nv.nvmlDeviceGetMaxPcieLinkGeneration)
        r("pcie_link_width_current", nv.nvmlDeviceGetCurrPcieLinkWidth)
        r("pcie_link_width_max", nv.nvmlDeviceGetMaxPcieLinkWidth)

        # NVLink: probe links until NVML says the index is out of range (INVALID_ARGUMENT).
        links = []
        for link in range(64):
            try:
                links.append(nv.nvmlDeviceGetNvLinkState(h, link))
            except nv.NVMLError as e:
                if link == 0 and e.value != nv.NVML_ERROR_INVALID_ARGUMENT:
                    err["nvlink_state"] = e.value
                break
        d["nvlink_state"] = links if links else None

        ecc = {}
        for tname, t in (("corrected", 0), ("uncorrected", 1)):
            for cname, c in (("volatile", 0), ("aggregate", 1)):
                key = "ecc_%s_%s" % (tname, cname)
                ecc[key] = self.read({}, err, key, nv.nvmlDeviceGetTotalEccErrors, h, t, c)
        d["ecc_errors"] = ecc
        r("retired_pages_multiple_single_bit", nv.nvmlDeviceGetRetiredPages, 0)
        r("retired_pages_double_bit", nv.nvmlDeviceGetRetiredPages, 1)
        rr = r("remapped_rows", nv.nvmlDeviceGetRemappedRows)
        if rr is not None:
            d["remapped_rows"] = {"correctable": rr[0], "uncorrectable": rr[1],
                                  "pending": rr[2], "failure_occurred": rr[3]}
        mig = r("mig_mode", nv.nvmlDeviceGetMigMode)
        if mig is not None:
            d["mig_mode"] = {"current": mig[0], "pending": mig[1]}

        procs = r("compute_processes", nv.nvmlDeviceGetComputeRunningProcesses)
        if procs is not None:
            d["compute_processes"] = [
                {"pid": p.pid, "used_gpu_memory_bytes": p.usedGpuMemory,
                 "gpu_instance_id": p.gpuInstanceId, "compute_instance_id": p.computeInstanceId}
                for p in procs]
        samples = r("process_utilization", nv.nvmlDeviceGetProcessUtilization, 0)
        if samples is not None:
            d["process_utilization"] = [
                {"pid": s.pid, "timestamp_us": s.timeStamp, "sm_percent": s.smUtil,
                 "memory_percent": s.memUtil, "encoder_percent": s.encUtil,
                 "decoder_percent": s.decUtil} for s in samples]

        wanted = [(FIELD_TOTAL_ENERGY, 0), (FIELD_NVLINK_LINK_COUNT, 0), (FIELD_NVLINK_GET_STATE, 0)]
        for fid in (FIELD_NVLINK_DATA_TX, FIELD_NVLINK_DATA_RX):
            wanted += [(fid, link) for link in range(len(links))] + [(fid, ALL_LINKS)]
        wanted += args.field
        values = nv.nvmlDeviceGetFieldValues(h, wanted)
        fields = {}
        for v in values:
            key = "%d:%d" % (v.fieldId, v.scopeId)
            entry = {"field_id": v.fieldId, "scope_id": v.scopeId, "nvml_return": v.nvmlReturn,
                     "timestamp_us": v.timestamp, "value_type": v.valueType}
            if v.nvmlReturn == 0:
                entry["value"] = {0: v.value.dVal, 1: v.value.uiVal, 2: v.value.ulVal,
                                  3: v.value.ullVal, 4: v.value.sllVal}.get(v.valueType)
            fields[key] = entry
        d["field_values"] = fields

        support = r("gpm_support", nv.nvmlGpmQueryDeviceSupport)
        d["gpm_supported"] = bool(support.isSupportedDevice) if support is not None else None
        d.pop("gpm_support", None)
        if d["gpm_supported"]:
            d["gpm_metrics"] = self.gpm(h)
        d["mig_devices"] = self.mig_devices(h, d["gpm_supported"], err)
        d["errors"] = err
        return d

    @staticmethod
    def _uint(v):
        # pynvml 11.525 returns some MIG ids as ctypes c_uint rather than int.
        return v.value if hasattr(v, "value") else v

    def mig_devices(self, h, gpm_supported, err):
        """The MIG devices of a GPU, read through their MIG device handles; [] when MIG is off."""
        nv = self.nv
        uint = self._uint
        count = uint(self.read({}, err, "max_mig_device_count", nv.nvmlDeviceGetMaxMigDeviceCount, h) or 0)
        migs = []
        for i in range(count):
            try:
                m = nv.nvmlDeviceGetMigDeviceHandleByIndex(h, i)
            except nv.NVMLError as e:
                if e.value == nv.NVML_ERROR_NOT_FOUND:
                    continue
                raise
            e = {}
            md = {"mig_index": i, "index_from_handle": nv.nvmlDeviceGetIndex(m),
                  "is_mig_handle": uint(nv.nvmlDeviceIsMigDeviceHandle(m)),
                  "parent_index": nv.nvmlDeviceGetIndex(nv.nvmlDeviceGetDeviceHandleFromMigDeviceHandle(m)),
                  "uuid": text(nv.nvmlDeviceGetUUID(m)), "name": text(nv.nvmlDeviceGetName(m)),
                  "gpu_instance_id": uint(nv.nvmlDeviceGetGpuInstanceId(m)),
                  "compute_instance_id": uint(nv.nvmlDeviceGetComputeInstanceId(m))}
            a = self.read({}, e, "attributes", nv.nvmlDeviceGetAttributes_v2, m)
            if a is not None:
                md["attributes"] = {"multiprocessor_count": a.multiprocessorCount,
                                    "gpu_instance_slice_count": a.gpuInstanceSliceCount,
                                    "compute_instance_slice_count": a.computeInstanceSliceCount,
                                    "memory_size_mib": a.memorySizeMB}
            mem = nv.nvmlDeviceGetMemoryInfo(m)
            md["memory"] = {"total_bytes": mem.total, "used_bytes": mem.used, "free_bytes": mem.free}
            md["compute_processes"] = [
                {"pid": p.pid, "used_gpu_memory_bytes": p.usedGpuMemory,
                 "gpu_instance_id": p.gpuInstanceId, "compute_instance_id": p.computeInstanceId}
                for p in nv.nvmlDeviceGetComputeRunningProcesses(m)]
            self.read(md, e, "utilization", nv.nvmlDeviceGetUtilizationRates, m)
            md["utilization"] = None if md["utilization"] is None else md["utilization"].gpu
            if gpm_supported:
                md["gpm_metrics"] = self.gpm(h, md["gpu_instance_id"])
            md["errors"] = e
            migs.append(md)
        return migs

    def gpm(self, h, gpu_instance_id=None):
        nv = self.nv
        s1, s2 = nv.nvmlGpmSampleAlloc(), nv.nvmlGpmSampleAlloc()
        try:
            if gpu_instance_id is None:
                nv.nvmlGpmSampleGet(h, s1)
                nv.nvmlGpmSampleGet(h, s2)
            else:
                nv.nvmlGpmMigSampleGet(h, gpu_instance_id, s1)
                nv.nvmlGpmMigSampleGet(h, gpu_instance_id, s2)
            mg = nv.c_nvmlGpmMetricsGet_t()
            mg.version = nv.NVML_GPM_METRICS_GET_VERSION
            mg.numMetrics = len(GPM_METRIC_IDS)
            mg.sample1, mg.sample2 = s1, s2
            for i, mid in enumerate(GPM_METRIC_IDS):
                mg.metrics[i].metricId = mid
            nv.nvmlGpmMetricsGet(mg)
            out = {}
            for i in range(mg.numMetrics):
                m = mg.metrics[i]
                name = text(m.metricInfo.shortName) or str(m.metricId)
                out[name] = {"metric_id": m.metricId, "nvml_return": m.nvmlReturn,
                             "value": m.value if m.nvmlReturn == 0 else None,
                             "unit": text(m.metricInfo.unit)}
            return out
        finally:
            nv.nvmlGpmSampleFree(s1)
            nv.nvmlGpmSampleFree(s2)


def flatten(value, prefix, out):
    """{"a": {"b": [1]}} -> a.b.0=1 lines (for readers without a JSON parser)."""
    if isinstance(value, dict):
        for k in sorted(value):
            flatten(value[k], "%s.%s" % (prefix, k) if prefix else str(k), out)
    elif isinstance(value, list):
        out.append("%s.size=%d" % (prefix, len(value)))
        for i, v in enumerate(value):
            flatten(v, "%s.%d" % (prefix, i), out)
    elif value is None:
        out.append("%s=null" % prefix)
    elif isinstance(value, bool):
        out.append("%s=%s" % (prefix, "true" if value else "false"))
    elif isinstance(value, float):
        out.append("%s=%r" % (prefix, value))
    else:
        out.append("%s=%s" % (prefix, value))
    return out


def emit(doc, fmt):
    if fmt == "flat":
        print("\n".join(flatten(doc, "", [])))
    else:
        print(json.dumps(doc, indent=2, sort_keys=True))


def field_arg(s):
    fid, _, scope = s.partition(":")
    return (int(fid, 0), int(scope, 0) if scope else 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lib", required=True, help="NVML library to load (e.g. libnvidia-ml-sim.so)")
    ap.add_argument("--pynvml", default=DEFAULT_PYNVML_DIR, help="directory holding pynvml.py")
    ap.add_argument("--field", type=field_arg, action="append", default=[],
                    help="extra NVML field id to read, ID or ID:SCOPE (repeatable)")
    ap.add_argument("--format", choices=("json", "flat"), default="json",
                    help="json (default), or flat: one key.path=value line per value")
    args = ap.parse_args()

    sys.path.insert(0, args.pynvml)
    import pynvml  # Debian's python3-pynvml

    lib = ctypes.CDLL(os.path.abspath(args.lib))
    pynvml.nvmlLib = lib  # pynvml would otherwise load libnvidia-ml.so.1
    doc = {"library": os.path.abspath(args.lib), "pynvml": os.path.abspath(pynvml.__file__)}
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as e:
        doc["init_error"] = e.value
        doc["init_error_string"] = str(e)
        if hasattr(lib, "flopwatchSimLastError"):
            lib.flopwatchSimLastError.restype = ctypes.c_char_p
            doc["sim_last_error"] = text(lib.flopwatchSimLastError())
        emit(doc, args.format)
        return 2
    try:
        reader = Reader(pynvml)
        system, err = {}, {}
        system["driver_version"] = text(reader.read(system, err, "driver_version", pynvml.nvmlSystemGetDriverVersion))
        system["nvml_version"] = text(reader.read(system, err, "nvml_version", pynvml.nvmlSystemGetNVMLVersion))
        reader.read(system, err, "cuda_driver_version", pynvml.nvmlSystemGetCudaDriverVersion)
        reader.read(system, err, "cuda_driver_version_v2", pynvml.nvmlSystemGetCudaDriverVersion_v2)
        system["errors"] = err
        doc["system"] = system
        count = pynvml.nvmlDeviceGetCount()
        doc["device_count"] = count
        doc["devices"] = [reader.device(i, args) for i in range(count)]
    finally:
        pynvml.nvmlShutdown()
    emit(doc, args.format)
    return 0


if __name__ == "__main__":
    sys.exit(main())
