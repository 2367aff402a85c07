/*
 * Internal declarations of the simulated NVML library (libnvidia-ml-sim.so): the parsed scenario
 * and the time functions. Nothing here is exported (the library is compiled with
 * -fvisibility=hidden; only SIM_EXPORT symbols are visible).
 */
#ifndef FLOPWATCH_SIM_INTERNAL_H
#define FLOPWATCH_SIM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#ifdef SIM_USE_REAL_NVML_H
#include <nvml.h>
#else
#include "sim_nvml_types.h"
#endif

#define SIM_EXPORT __attribute__((visibility("default")))

/* Functions newer than the CUDA 11.8 header, declared here in both builds (NVML API reference:
 * nvmlGpmMigSampleGet since 520, nvmlDeviceGetCurrentClocksEventReasons since 535 as the new
 * name of nvmlDeviceGetCurrentClocksThrottleReasons, same bits). */
nvmlReturn_t nvmlGpmMigSampleGet(nvmlDevice_t device, unsigned int gpuInstanceId, nvmlGpmSample_t gpmSample);
nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t device, unsigned long long *clocksEventReasons);

/* Simulator controls (exported, documented in docs/simulator.md). */
void flopwatchSimSetScenarioPath(const char *path);
const char *flopwatchSimLastError(void);
void flopwatchSimSetFrozenClock(double seconds);

/* The largest metrics[] array of any NVML version (CUDA 12.8+ headers: 333 entries); metric ids
 * are below it, so it also bounds the ids a scenario may give. */
#define SIM_GPM_METRICS_ARRAY_MAX 333

/* ---- value functions of time --------------------------------------------------------- */

typedef enum { FN_NONE = 0, FN_CONST, FN_SINE, FN_RAMP, FN_LINEAR, FN_SQUARE, FN_STEPS } sim_fn_kind;

#define SIM_FN_MAX_ARGS 33

typedef struct {
    sim_fn_kind kind;
    int nargs;
    double a[SIM_FN_MAX_ARGS];
} sim_fn;

double sim_fn_eval(const sim_fn *f, double t);
/* Integral of f over [0, t]. */
double sim_fn_integral(const sim_fn *f, double t);
/* Mean of f over [t1, t2]; f(t1) when the interval is empty (frozen clock). */
double sim_fn_mean(const sim_fn *f, double t1, double t2);
static inline bool sim_fn_present(const sim_fn *f) { return f->kind != FN_NONE; }

/* ---- the scenario ---------------------------------------------------------------------- */

#define SIM_MAX_DEVICES 64
#define SIM_MAX_PROCS 32
#define SIM_MAX_FIELDS 64
#define SIM_MAX_GPM 128
#define SIM_MAX_XID 64
#define SIM_MAX_RETIRED 64
#define SIM_MAX_FAULTS 256
#define SIM_MAX_NVLINKS 64

typedef struct {
    unsigned int pid;
    unsigned long long used_bytes;
    unsigned int gpu_instance_id, compute_instance_id;
    bool has_util;
    sim_fn sm, mem, enc, dec; /* percent */
} sim_process;

typedef struct {
    unsigned int field_id;
    bool any_scope;
    unsigned int scope_id;
    nvmlValueType_t type;
    bool cumulative; /* value = integral of fn since init */
    double offset;   /* added to a cumulative value */
    sim_fn fn;
} sim_field;

typedef struct {
    unsigned int metric_id;
    sim_fn fn;
} sim_gpm_metric;

typedef struct {
    double time_s;
    unsigned long long xid;
} sim_xid;

/* ---- MIG ------------------------------------------------------------------------------------ */

/* A100 and H100 have 7 compute slices, so at most 7 MIG devices (compute instances) per GPU
 * (NVIDIA MIG user guide, "Supported MIG Profiles"). */
#define SIM_MAX_MIG 7
#define SIM_MAX_MIG_GPM 32

/* A MIG device: one compute instance inside one GPU instance. The handle given to callers is a
 * pointer to this structure (inside its parent sim_device), told apart from device handles by
 * sim_mig_lookup. */
typedef struct sim_mig {
    int decl_line;
    unsigned int parent_index;
    unsigned int gpu_instance_id, compute_instance_id;
    char profile[32];                 /* "3g.40gb" */
    unsigned int gpu_slices, compute_slices;
    unsigned int sm_count;            /* 0 = not given */
    char uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
    char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE]; /* empty: "<parent name> MIG <profile>" */
    unsigned long long memory_total;
    sim_fn memory_used;               /* bytes */
    unsigned int ngpm;                /* GPM metrics of its GPU instance (nvmlGpmMigSampleGet) */
    sim_gpm_metric gpm[SIM_MAX_MIG_GPM];
} sim_mig;

/* A device. The handle given to callers is a pointer to this structure. */
typedef struct sim_device {
    unsigned int index;
    int decl_line; /* line of its `device` directive, for error messages */
    char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
    char uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
    char serial[NVML_DEVICE_SERIAL_BUFFER_SIZE];
    bool has_serial;
    unsigned int pci_domain, pci_bus, pci_device;
    bool has_pci;
    unsigned int pci_device_id, pci_subsystem_id;
    bool has_arch;
    unsigned int arch;
    bool has_cc;
    int cc_major, cc_minor;
    bool has_sm_count, has_gpu_cores, has_minor;
    unsigned int sm_count, gpu_cores, minor_number;

    bool has_memory;
    unsigned long long memory_total, memory_reserved;
    sim_fn memory_used; /* bytes, as nvmlMemory_t.used (reserved included) */
    bool has_bar1;
    unsigned long long bar1_total;
    sim_fn bar1_used;

    sim_fn util_gpu, util_mem, util_enc, util_dec; /* percent */
    sim_fn clock[NVML_CLOCK_COUNT];                /* MHz, current */
    unsigned int max_clock[NVML_CLOCK_COUNT];      /* 0 = not supported */
    unsigned int app_clock[NVML_CLOCK_COUNT];
    sim_fn pstate;
    sim_fn throttle_reasons; /* bit mask */

    unsigned int power_limit_mw, enforced_power_limit_mw; /* 0 = not supported */
    sim_fn power_mw;
    double energy_offset_mj;
    sim_fn temperature_c, fan_percent;

    bool has_pcie_link;
    unsigned int pcie_gen_cur, pcie_gen_max, pcie_width_cur, pcie_width_max;
    sim_fn pcie_tx_kbps, pcie_rx_kbps; /* KB/s */

    unsigned int nvlink_links;
    bool nvlink_down[SIM_MAX_NVLINKS];
    sim_fn nvlink_tx_kibps, nvlink_rx_kibps; /* KiB/s, all links together */
    /* Interconnect errors and PCIe link degradation (docs/simulator.md, "Interconnect errors"):
     * counters are the integral of a rate, so they only grow. */
    sim_fn pcie_replays_per_s;
    sim_fn nvlink_errors_per_s[4]; /* crc_flit, crc_data, replay, recovery: fields 38, 45, 52, 59 */
    bool has_pcie_degraded;
    unsigned int pcie_degraded_gen, pcie_degraded_width;
    double pcie_degraded_from_s, pcie_degraded_to_s;

    bool has_ecc;
    unsigned long long ecc[NVML_MEMORY_ERROR_TYPE_COUNT][NVML_ECC_COUNTER_TYPE_COUNT];
    bool has_retired_pages;
    unsigned int retired_count[NVML_PAGE_RETIREMENT_CAUSE_COUNT];
    unsigned long long retired[NVML_PAGE_RETIREMENT_CAUSE_COUNT][SIM_MAX_RETIRED];
    bool has_remapped_rows;
    unsigned int remap_corr, remap_unc, remap_pending, remap_failure;
    bool has_mig;
    unsigned int mig_current, mig_pending;

    unsigned int nprocs;
    sim_process procs[SIM_MAX_PROCS];
    unsigned int nfields;
    sim_field fields[SIM_MAX_FIELDS];

    int gpm_setting; /* -1 default (Hopper and newer), 0 off, 1 on */
    unsigned int ngpm;
    sim_gpm_metric gpm[SIM_MAX_GPM];

    unsigned int nxid;
    sim_xid xids[SIM_MAX_XID];
    /* xid_storm: xid_storm_count events of xid_storm_xid, the k-th at xid_storm_from_s + k * xid_storm_every_s
     * (instead of xid lines; docs/simulator.md) */
    unsigned long long xid_storm_count;
    double xid_storm_from_s, xid_storm_every_s;
    unsigned long long xid_storm_xid;

    unsigned int nmig; /* MIG devices, in declaration order = nvmlDeviceGetMigDeviceHandleByIndex order */
    sim_mig migs[SIM_MAX_MIG];
} sim_device;

typedef struct {
    int decl_line;
    char function[64];
    int device; /* -1: every device and device-less calls */
    double from_s, to_s;
    nvmlReturn_t ret; /* NVML_SUCCESS: no error injected */
    unsigned int delay_ms;
    bool hang;
} sim_fault;

typedef struct sim_scenario {
    unsigned long id;           /* unique per successful init: tells stale samples/event sets apart */
    struct sim_scenario *next_retired;
    /* Set by the init that publishes the scenario, read-only afterwards (kept here rather than in
     * globals so a call still reading a retired scenario never races the next init). */
    double start_mono_s;        /* monotonic time of that init = simulated time 0 */
    double base_epoch_unix_s;   /* wall-clock seconds at simulated time 0 */
    double env_frozen_s;        /* FLOPWATCH_SIM_CLOCK=frozen:<s>; < 0 when not set */
    char driver_version[NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE];
    char nvml_version[NVML_SYSTEM_NVML_VERSION_BUFFER_SIZE];
    int cuda_driver_version;
    bool clock_frozen;
    double frozen_at_s;
    bool has_epoch;
    double epoch_unix_s;
    unsigned int ndevices;
    sim_device *devices; /* heap, ndevices entries */
    unsigned int nfaults;
    sim_fault faults[SIM_MAX_FAULTS];
} sim_scenario;

/* Parses the scenario file at path into *out. On failure returns false and writes
 * "path:line: problem" into err. */
bool sim_scenario_load(const char *path, sim_scenario *out, char *err, size_t errlen);
void sim_scenario_free(sim_scenario *s);

/* True when name is one of the NVML functions this library exports that can carry a fault
 * (every one but nvmlErrorString, which cannot fail). */
bool sim_is_exported_nvml_function(const char *name);

/* GPM metric names (lower case, without the NVML_GPM_METRIC_ prefix); NULL when unknown. */
const char *sim_gpm_metric_name(unsigned int id);
const char *sim_gpm_metric_unit(unsigned int id);
bool sim_gpm_metric_known(unsigned int id);

#endif
