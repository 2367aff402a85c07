/*
 * flopwatch's NVML sample reader (libflopwatch-nvml-reader.so): one native entry point that
 * makes all of a device's per-sample NVML calls (the 28 of JnaNvmlSession.sample) and writes
 * their values and return codes into one caller-provided buffer.
 *
 * Why: through JNA's generic Function.invokeInt each NVML call costs about 1 µs of argument
 * boxing and conversion, 50 times what the call itself costs (docs/BENCHMARKS.md section 1).
 * Java calls this function once per device per sample through JNA direct mapping with
 * primitive arguments instead, and decodes the buffer itself.
 *
 * The reader opens no library and resolves no symbol: Java passes the addresses of the NVML
 * functions it already resolved in the library it opened (real or simulated), NULL for a
 * symbol that library lacks (the call's return code is then FUNCTION_NOT_FOUND, as on the JNA
 * path). It makes only Get calls (NvmlReadOnlyTest).
 *
 * Layout (must equal NvmlSampleReader.java):
 *   table: FW_FN_COUNT function addresses, in the order of enum fw_fn below.
 *   out:   FW_SLOT_COUNT slots of FW_SLOT_LONGS int64: [return code, v0, v1, v2, v3].
 *          32-bit outputs are stored zero-extended; Java narrows as the JNA path does.
 *          Calls are made in slot order; after the first return code that the Java side would
 *          throw for, no further call is made and later slots hold FW_NOT_CALLED.
 * Returns FW_READER_ABI, so Java can check it loaded the layout it decodes (call with a NULL
 * table to ask without reading).
 */
#ifdef SIM_USE_REAL_NVML_H
#include <nvml.h>
#else
#include "sim_nvml_types.h"
#endif

#include <stdint.h>
#include <string.h>

#define FW_EXPORT __attribute__((visibility("default")))
#define FW_READER_ABI 0x46570002 /* "FW", layout 2: layout 1 plus flopwatchNvmlReadLinkStates */
#define FW_NOT_CALLED (-1)
#define FW_SLOT_LONGS 5

enum fw_fn {
    FN_UTILIZATION, FN_ENCODER, FN_DECODER, FN_MEMORY_V2, FN_MEMORY, FN_BAR1, FN_PSTATE,
    FN_CLOCK, FN_MAX_CLOCK, FN_APP_CLOCK, FN_EVENT_REASONS, FN_THROTTLE_REASONS,
    FN_POWER, FN_ENFORCED_LIMIT, FN_MANAGEMENT_LIMIT, FN_ENERGY, FN_TEMPERATURE, FN_FAN,
    FN_PCIE_THROUGHPUT, FN_CURR_LINK_GEN, FN_CURR_LINK_WIDTH, FN_MAX_LINK_GEN, FN_MAX_LINK_WIDTH,
    FW_FN_COUNT
};

enum fw_slot {
    S_UTILIZATION, S_ENCODER, S_DECODER, S_MEMORY_V2, S_MEMORY, S_BAR1, S_PSTATE,
    S_CLOCK_GRAPHICS, S_CLOCK_SM, S_CLOCK_MEM, S_CLOCK_VIDEO,
    S_MAX_CLOCK_GRAPHICS, S_MAX_CLOCK_SM, S_MAX_CLOCK_MEM, S_APP_CLOCK_GRAPHICS, S_APP_CLOCK_MEM,
    S_REASONS, S_POWER, S_ENFORCED_LIMIT, S_MANAGEMENT_LIMIT, S_ENERGY, S_TEMPERATURE, S_FAN,
    S_PCIE_TX, S_PCIE_RX, S_CURR_LINK_GEN, S_CURR_LINK_WIDTH, S_MAX_LINK_GEN, S_MAX_LINK_WIDTH,
    FW_SLOT_COUNT
};

/* The function shapes, checked against the prototypes of whichever header is in use. */
typedef nvmlReturn_t (*fn_utilization)(nvmlDevice_t, nvmlUtilization_t *);
typedef nvmlReturn_t (*fn_codec)(nvmlDevice_t, unsigned int *, unsigned int *);
typedef nvmlReturn_t (*fn_memory_v2)(nvmlDevice_t, nvmlMemory_v2_t *);
typedef nvmlReturn_t (*fn_memory)(nvmlDevice_t, nvmlMemory_t *);
typedef nvmlReturn_t (*fn_bar1)(nvmlDevice_t, nvmlBAR1Memory_t *);
typedef nvmlReturn_t (*fn_pstate)(nvmlDevice_t, nvmlPstates_t *);
typedef nvmlReturn_t (*fn_clock)(nvmlDevice_t, nvmlClockType_t, unsigned int *);
typedef nvmlReturn_t (*fn_ull)(nvmlDevice_t, unsigned long long *);
typedef nvmlReturn_t (*fn_uint)(nvmlDevice_t, unsigned int *);
typedef nvmlReturn_t (*fn_temperature)(nvmlDevice_t, nvmlTemperatureSensors_t, unsigned int *);
typedef nvmlReturn_t (*fn_pcie)(nvmlDevice_t, nvmlPcieUtilCounter_t, unsigned int *);
typedef nvmlReturn_t (*fn_nvlink_state)(nvmlDevice_t, unsigned int, nvmlEnableState_t *);

#define SAME_SHAPE(symbol, type) \
    _Static_assert(__builtin_types_compatible_p(__typeof__(&symbol), type), #symbol " has another signature")
SAME_SHAPE(nvmlDeviceGetUtilizationRates, fn_utilization);
SAME_SHAPE(nvmlDeviceGetEncoderUtilization, fn_codec);
SAME_SHAPE(nvmlDeviceGetDecoderUtilization, fn_codec);
SAME_SHAPE(nvmlDeviceGetMemoryInfo_v2, fn_memory_v2);
SAME_SHAPE(nvmlDeviceGetMemoryInfo, fn_memory);
SAME_SHAPE(nvmlDeviceGetBAR1MemoryInfo, fn_bar1);
SAME_SHAPE(nvmlDeviceGetPerformanceState, fn_pstate);
SAME_SHAPE(nvmlDeviceGetClockInfo, fn_clock);
SAME_SHAPE(nvmlDeviceGetMaxClockInfo, fn_clock);
SAME_SHAPE(nvmlDeviceGetApplicationsClock, fn_clock);
SAME_SHAPE(nvmlDeviceGetCurrentClocksThrottleReasons, fn_ull);
SAME_SHAPE(nvmlDeviceGetPowerUsage, fn_uint);
SAME_SHAPE(nvmlDeviceGetEnforcedPowerLimit, fn_uint);
SAME_SHAPE(nvmlDeviceGetPowerManagementLimit, fn_uint);
SAME_SHAPE(nvmlDeviceGetTotalEnergyConsumption, fn_ull);
SAME_SHAPE(nvmlDeviceGetTemperature, fn_temperature);
SAME_SHAPE(nvmlDeviceGetFanSpeed, fn_uint);
SAME_SHAPE(nvmlDeviceGetPcieThroughput, fn_pcie);
SAME_SHAPE(nvmlDeviceGetCurrPcieLinkGeneration, fn_uint);
SAME_SHAPE(nvmlDeviceGetCurrPcieLinkWidth, fn_uint);
SAME_SHAPE(nvmlDeviceGetMaxPcieLinkGeneration, fn_uint);
SAME_SHAPE(nvmlDeviceGetMaxPcieLinkWidth, fn_uint);
SAME_SHAPE(nvmlDeviceGetNvLinkState, fn_nvlink_state);

/* Codes the Java side turns into an absent value (NvmlReturn.meansAbsent). */
static int absent(int rc) {
    return rc == NVML_ERROR_NOT_SUPPORTED || rc == NVML_ERROR_NO_PERMISSION || rc == NVML_ERROR_FUNCTION_NOT_FOUND;
}

/* Stores a slot; nonzero when the sample must stop here (a code the Java side throws for). */
static int put(int64_t *out, int slot, int rc, int64_t v0, int64_t v1, int64_t v2, int64_t v3) {
    int64_t *s = out + (size_t)slot * FW_SLOT_LONGS;
    s[0] = rc;
    s[1] = v0;
    s[2] = v1;
    s[3] = v2;
    s[4] = v3;
    return rc != NVML_SUCCESS && !absent(rc);
}

#define MISSING NVML_ERROR_FUNCTION_NOT_FOUND
#define U32(x) ((int64_t)(uint32_t)(x))

static int uint_call(void *const *t, int fn, nvmlDevice_t dev, int64_t *out, int slot) {
    unsigned int v = 0;
    int rc = t[fn] ? (int)((fn_uint)t[fn])(dev, &v) : MISSING;
    return put(out, slot, rc, U32(v), 0, 0, 0);
}

static int clock_call(void *const *t, int fn, nvmlDevice_t dev, unsigned int type, int64_t *out, int slot) {
    unsigned int v = 0;
    int rc = t[fn] ? (int)((fn_clock)t[fn])(dev, (nvmlClockType_t)type, &v) : MISSING;
    return put(out, slot, rc, U32(v), 0, 0, 0);
}

static int ull_call(void *const *t, int fn, nvmlDevice_t dev, int64_t *out, int slot) {
    unsigned long long v = 0;
    int rc = t[fn] ? (int)((fn_ull)t[fn])(dev, &v) : MISSING;
    return put(out, slot, rc, (int64_t)v, 0, 0, 0);
}

static int read_sample(void *const *t, nvmlDevice_t dev, int64_t *out) {
    int rc;
    {
        nvmlUtilization_t u;
        memset(&u, 0, sizeof u);
        rc = t[FN_UTILIZATION] ? (int)((fn_utilization)t[FN_UTILIZATION])(dev, &u) : MISSING;
        if (put(out, S_UTILIZATION, rc, U32(u.gpu), U32(u.memory), 0, 0)) return S_UTILIZATION;
    }
    {
        unsigned int v = 0, period = 0;
        rc = t[FN_ENCODER] ? (int)((fn_codec)t[FN_ENCODER])(dev, &v, &period) : MISSING;
        if (put(out, S_ENCODER, rc, U32(v), 0, 0, 0)) return S_ENCODER;
        v = 0;
        rc = t[FN_DECODER] ? (int)((fn_codec)t[FN_DECODER])(dev, &v, &period) : MISSING;
        if (put(out, S_DECODER, rc, U32(v), 0, 0, 0)) return S_DECODER;
    }
    {
        nvmlMemory_v2_t m2;
        memset(&m2, 0, sizeof m2);
        m2.version = nvmlMemory_v2;
        rc = t[FN_MEMORY_V2] ? (int)((fn_memory_v2)t[FN_MEMORY_V2])(dev, &m2) : MISSING;
        /* A driver that knows the symbol but not this struct version: fall back to v1. */
        if (rc == NVML_ERROR_ARGUMENT_VERSION_MISMATCH) {
            put(out, S_MEMORY_V2, rc, 0, 0, 0, 0);
        } else if (put(out, S_MEMORY_V2, rc, (int64_t)m2.total, (int64_t)m2.reserved, (int64_t)m2.free,
                       (int64_t)m2.used)) {
            return S_MEMORY_V2;
        }
        if (rc == NVML_SUCCESS) {
            put(out, S_MEMORY, FW_NOT_CALLED, 0, 0, 0, 0);
        } else {
            nvmlMemory_t m;
            memset(&m, 0, sizeof m);
            rc = t[FN_MEMORY] ? (int)((fn_memory)t[FN_MEMORY])(dev, &m) : MISSING;
            if (put(out, S_MEMORY, rc, (int64_t)m.total, (int64_t)m.free, (int64_t)m.used, 0)) return S_MEMORY;
        }
        nvmlBAR1Memory_t b;
        memset(&b, 0, sizeof b);
        rc = t[FN_BAR1] ? (int)((fn_bar1)t[FN_BAR1])(dev, &b) : MISSING;
        if (put(out, S_BAR1, rc, (int64_t)b.bar1Total, (int64_t)b.bar1Free, (int64_t)b.bar1Used, 0)) return S_BAR1;
    }
    {
        nvmlPstates_t p = (nvmlPstates_t)0;
        rc = t[FN_PSTATE] ? (int)((fn_pstate)t[FN_PSTATE])(dev, &p) : MISSING;
        if (put(out, S_PSTATE, rc, U32(p), 0, 0, 0)) return S_PSTATE;
    }
    /* nvmlClockType_t: 0 graphics, 1 SM, 2 memory, 3 video */
    for (unsigned int type = 0; type < 4; type++) {
        if (clock_call(t, FN_CLOCK, dev, type, out, S_CLOCK_GRAPHICS + (int)type)) return S_CLOCK_GRAPHICS + (int)type;
    }
    for (unsigned int type = 0; type < 3; type++) {
        if (clock_call(t, FN_MAX_CLOCK, dev, type, out, S_MAX_CLOCK_GRAPHICS + (int)type)) {
            return S_MAX_CLOCK_GRAPHICS + (int)type;
        }
    }
    if (clock_call(t, FN_APP_CLOCK, dev, 0, out, S_APP_CLOCK_GRAPHICS)) return S_APP_CLOCK_GRAPHICS;
    if (clock_call(t, FN_APP_CLOCK, dev, 2, out, S_APP_CLOCK_MEM)) return S_APP_CLOCK_MEM;
    /* The event-reasons name where the library has it (newer drivers), else the older name. */
    if (ull_call(t, t[FN_EVENT_REASONS] ? FN_EVENT_REASONS : FN_THROTTLE_REASONS, dev, out, S_REASONS)) return S_REASONS;
    if (uint_call(t, FN_POWER, dev, out, S_POWER)) return S_POWER;
    if (uint_call(t, FN_ENFORCED_LIMIT, dev, out, S_ENFORCED_LIMIT)) return S_ENFORCED_LIMIT;
    if (uint_call(t, FN_MANAGEMENT_LIMIT, dev, out, S_MANAGEMENT_LIMIT)) return S_MANAGEMENT_LIMIT;
    if (ull_call(t, FN_ENERGY, dev, out, S_ENERGY)) return S_ENERGY;
    {
        unsigned int v = 0;
        rc = t[FN_TEMPERATURE] ? (int)((fn_temperature)t[FN_TEMPERATURE])(dev, NVML_TEMPERATURE_GPU, &v) : MISSING;
        if (put(out, S_TEMPERATURE, rc, U32(v), 0, 0, 0)) return S_TEMPERATURE;
    }
    if (uint_call(t, FN_FAN, dev, out, S_FAN)) return S_FAN;
    for (unsigned int counter = 0; counter < 2; counter++) { /* NVML_PCIE_UTIL_TX_BYTES, _RX_BYTES */
        unsigned int v = 0;
        rc = t[FN_PCIE_THROUGHPUT]
                ? (int)((fn_pcie)t[FN_PCIE_THROUGHPUT])(dev, (nvmlPcieUtilCounter_t)counter, &v) : MISSING;
        if (put(out, S_PCIE_TX + (int)counter, rc, U32(v), 0, 0, 0)) return S_PCIE_TX + (int)counter;
    }
    if (uint_call(t, FN_CURR_LINK_GEN, dev, out, S_CURR_LINK_GEN)) return S_CURR_LINK_GEN;
    if (uint_call(t, FN_CURR_LINK_WIDTH, dev, out, S_CURR_LINK_WIDTH)) return S_CURR_LINK_WIDTH;
    if (uint_call(t, FN_MAX_LINK_GEN, dev, out, S_MAX_LINK_GEN)) return S_MAX_LINK_GEN;
    if (uint_call(t, FN_MAX_LINK_WIDTH, dev, out, S_MAX_LINK_WIDTH)) return S_MAX_LINK_WIDTH;
    return FW_SLOT_COUNT;
}

/*
 * table: FW_FN_COUNT NVML function addresses (NULL where absent); device: an nvmlDevice_t;
 * out: FW_SLOT_COUNT * FW_SLOT_LONGS int64. With a NULL table, reads nothing.
 * Returns FW_READER_ABI.
 */
FW_EXPORT int flopwatchNvmlReadSample(void *const *table, void *device, int64_t *out) {
    if (table == NULL || out == NULL) {
        return FW_READER_ABI;
    }
    int stopped = read_sample(table, (nvmlDevice_t)device, out);
    for (int slot = stopped + 1; slot < FW_SLOT_COUNT; slot++) {
        put(out, slot, FW_NOT_CALLED, 0, 0, 0, 0);
    }
    return FW_READER_ABI;
}

/*
 * The NVLink states of links 0 .. max_links-1 through nvmlDeviceGetNvLinkState (`fn`, NULL when
 * the library lacks it: FUNCTION_NOT_FOUND), for NvmlSession.nvlinkActive: every GPU, every
 * cycle, up to 18 calls that cost about 1 µs each through JNA's generic call and ~20 ns here.
 * out: per link two int64, [return code, state]. Stops after the first code other than SUCCESS
 * (past a device's last link NVML answers INVALID_ARGUMENT or NOT_SUPPORTED; Java decides what
 * the code means, as on the JNA path). Returns how many links were asked (entries written).
 */
FW_EXPORT int flopwatchNvmlReadLinkStates(void *fn, void *device, int max_links, int64_t *out) {
    if (out == NULL) {
        return 0;
    }
    for (int link = 0; link < max_links; link++) {
        nvmlEnableState_t state = NVML_FEATURE_DISABLED;
        int rc = fn ? (int)((fn_nvlink_state)fn)((nvmlDevice_t)device, (unsigned int)link, &state) : MISSING;
        out[2 * link] = rc;
        out[2 * link + 1] = (int64_t)state;
        if (rc != NVML_SUCCESS) {
            return link + 1;
        }
    }
    return max_links;
}
