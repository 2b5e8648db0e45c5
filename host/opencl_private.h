/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * opencl_private.h — what the three files of the OpenCL runtime share
 * (opencl.c: handle, integrity and Philox runs; opencl_devices.c: listing
 * and selection; opencl_build.c: program build and binary cache). Only
 * host/opencl*.c include this header, and with it CL/cl.h.
 */
#ifndef SAKSI_OPENCL_PRIVATE_H
#define SAKSI_OPENCL_PRIVATE_H

#include "saksi_opencl.h"

#include <CL/cl.h>

/* The kernels of the program, created once at open. Their names are in
 * kernel_names[] of opencl_build.c, in this order. */
enum saksi_cl_kernel {
    SAKSI_K_INTEGRITY_CHECK,
    SAKSI_K_RNG_PHILOX,
    SAKSI_K_FINGERPRINT_BIN,
    SAKSI_K_FINGERPRINT_SIMULATE,
    SAKSI_K_FINGERPRINT_GRID,
    SAKSI_K_DIGITS_HISTOGRAM,
    SAKSI_K_TURNOUT_INTEGER_PERCENT,
    SAKSI_NKERNELS
};

struct saksi_cl {
    cl_platform_id platform;
    cl_device_id device;
    cl_context ctx;
    cl_command_queue queue;
    cl_program program;
    cl_kernel kernel[SAKSI_NKERNELS];

    /* device facts, queried once at open */
    char platform_name[128];
    char platform_version[128];
    char device_name[128];
    char device_version[128];
    char driver_version[128];
    int is_cpu;
    size_t max_work_group;   /* CL_DEVICE_MAX_WORK_GROUP_SIZE */
    cl_ulong max_alloc;      /* CL_DEVICE_MAX_MEM_ALLOC_SIZE */
    cl_ulong max_constant;   /* CL_DEVICE_MAX_CONSTANT_BUFFER_SIZE */
    cl_ulong local_mem;      /* CL_DEVICE_LOCAL_MEM_SIZE */

    int from_cache;
    char cache_note[512];
};

/* "CL_OUT_OF_RESOURCES" for -5; "unknown OpenCL error" when not listed. */
const char *saksi_cl_error_name(cl_int code);

/* Inside a function following the SAKSI_FAIL conventions: when code is not
 * CL_SUCCESS, record SAKSI_ERR_OPENCL naming the call (a printf format
 * and its arguments) and the error code by its name, then goto out.
 * CL_OUT_OF_HOST_MEMORY is the host running out of memory (the driver's,
 * or the runtime's own buffer for a device string): SAKSI_ERR_NOMEM, as
 * any other failed allocation, not "OpenCL unavailable". */
#define SAKSI_CL_CHECK(code, ...)                                                                  \
    do {                                                                                           \
        cl_int cl_code_ = (code);                                                                  \
        if (cl_code_ != CL_SUCCESS) {                                                              \
            char cl_call_[160];                                                                    \
            if (snprintf(cl_call_, sizeof cl_call_, __VA_ARGS__) < 0) /* truncation is fine */     \
                cl_call_[0] = '\0';                                                               \
            SAKSI_FAIL(cl_code_ == CL_OUT_OF_HOST_MEMORY ? SAKSI_ERR_NOMEM : SAKSI_ERR_OPENCL,     \
                       "%s failed: %s (%d)%s", cl_call_, saksi_cl_error_name(cl_code_),            \
                       (int)cl_code_,                                                              \
                       cl_code_ == CL_OUT_OF_HOST_MEMORY ? ": out of host memory" : "");           \
        }                                                                                          \
    } while (0)

/* Pick the device opt asks for (opencl_devices.c). */
saksi_status saksi_cl_select_device(const saksi_cl_options *opt, cl_platform_id *platform,
                                    cl_device_id *device, saksi_error *err);

/* A string property of a device or platform, truncated to fit buf. */
cl_int saksi_cl_device_string(cl_device_id dev, cl_device_info param, char *buf, size_t len);
cl_int saksi_cl_platform_string(cl_platform_id p, cl_platform_info param, char *buf, size_t len);

/* Build cl->program (from the binary cache when possible) and create every
 * kernel (opencl_build.c). cl->ctx and the device facts must be set. */
saksi_status saksi_cl_build_program(saksi_cl *cl, const saksi_cl_options *opt, saksi_error *err);

#endif /* SAKSI_OPENCL_PRIVATE_H */
