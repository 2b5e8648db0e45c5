/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * opencl_devices.c — listing every OpenCL platform and device (saksi
 * devices) and choosing the one an audit runs on (--device P:D, or the
 * first GPU or accelerator). Indices are those of the ICD loader's order,
 * the same in the listing and in the selection.
 */
#include "opencl_private.h"

#include <stdlib.h>
#include <string.h>

cl_int saksi_cl_device_string(cl_device_id dev, cl_device_info param, char *buf, size_t len)
{
    size_t need = 0;
    char *tmp = NULL;
    cl_int e = clGetDeviceInfo(dev, param, 0, NULL, &need);
    if (e != CL_SUCCESS)
        return e;
    /* Some drivers return names longer than any fixed field; read the whole
     * string and keep its beginning rather than failing. */
    tmp = malloc(need + 1);
    if (!tmp)
        return CL_OUT_OF_HOST_MEMORY;
    e = clGetDeviceInfo(dev, param, need, tmp, NULL);
    if (e == CL_SUCCESS) {
        tmp[need] = '\0';
        snprintf(buf, len, "%s", tmp);
    }
    free(tmp);
    return e;
}

cl_int saksi_cl_platform_string(cl_platform_id p, cl_platform_info param, char *buf, size_t len)
{
    size_t need = 0;
    char *tmp = NULL;
    cl_int e = clGetPlatformInfo(p, param, 0, NULL, &need);
    if (e != CL_SUCCESS)
        return e;
    tmp = malloc(need + 1);
    if (!tmp)
        return CL_OUT_OF_HOST_MEMORY;
    e = clGetPlatformInfo(p, param, need, tmp, NULL);
    if (e == CL_SUCCESS) {
        tmp[need] = '\0';
        snprintf(buf, len, "%s", tmp);
    }
    free(tmp);
    return e;
}

/* Every platform, malloc'd into *out. No platform is not an error: the
 * Khronos ICD extension says clGetPlatformIDs then returns
 * CL_PLATFORM_NOT_FOUND_KHR (-1001); some loaders return success and 0. */
static saksi_status list_platforms(cl_platform_id **out, cl_uint *n, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    cl_platform_id *p = NULL;
    cl_uint np = 0;
    const cl_int platform_not_found_khr = -1001;

    *out = NULL;
    *n = 0;
    cl_int e = clGetPlatformIDs(0, NULL, &np);
    if (e == platform_not_found_khr || (e == CL_SUCCESS && np == 0))
        goto out;
    SAKSI_CL_CHECK(e, "clGetPlatformIDs");
    p = saksi_malloc_array(np, sizeof *p);
    if (!p)
        SAKSI_ALLOC_FAIL("the platform list");
    SAKSI_CL_CHECK(clGetPlatformIDs(np, p, NULL), "clGetPlatformIDs(%u)", (unsigned)np);
    *out = p;
    *n = np;
    p = NULL;
out:
    free(p);
    return rc;
}

/* Every device of one platform; a platform without devices
 * (CL_DEVICE_NOT_FOUND) gives *n = 0. */
static saksi_status list_devices(cl_platform_id platform, unsigned pi, cl_device_id **out,
                                 cl_uint *n, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    cl_device_id *d = NULL;
    cl_uint nd = 0;

    *out = NULL;
    *n = 0;
    cl_int e = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, NULL, &nd);
    if (e == CL_DEVICE_NOT_FOUND || (e == CL_SUCCESS && nd == 0))
        goto out;
    SAKSI_CL_CHECK(e, "clGetDeviceIDs(platform %u)", pi);
    d = saksi_malloc_array(nd, sizeof *d);
    if (!d)
        SAKSI_ALLOC_FAIL("the device list");
    SAKSI_CL_CHECK(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, nd, d, NULL),
                   "clGetDeviceIDs(platform %u)", pi);
    *out = d;
    *n = nd;
    d = NULL;
out:
    free(d);
    return rc;
}

static saksi_status describe(cl_platform_id platform, cl_device_id dev, unsigned pi, unsigned di,
                             saksi_device_info *info, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    cl_device_type type = 0;
    cl_ulong mem = 0;
    cl_uint units = 0;
    size_t wg = 0;

    memset(info, 0, sizeof *info);
    info->platform = pi;
    info->device = di;
    SAKSI_CL_CHECK(saksi_cl_platform_string(platform, CL_PLATFORM_NAME, info->platform_name,
                                            sizeof info->platform_name),
                   "clGetPlatformInfo(%u, CL_PLATFORM_NAME)", pi);
    SAKSI_CL_CHECK(saksi_cl_device_string(dev, CL_DEVICE_NAME, info->device_name,
                                          sizeof info->device_name),
                   "clGetDeviceInfo(%u:%u, CL_DEVICE_NAME)", pi, di);
    SAKSI_CL_CHECK(saksi_cl_device_string(dev, CL_DEVICE_VERSION, info->version,
                                          sizeof info->version),
                   "clGetDeviceInfo(%u:%u, CL_DEVICE_VERSION)", pi, di);
    SAKSI_CL_CHECK(saksi_cl_device_string(dev, CL_DRIVER_VERSION, info->driver,
                                          sizeof info->driver),
                   "clGetDeviceInfo(%u:%u, CL_DRIVER_VERSION)", pi, di);
    SAKSI_CL_CHECK(clGetDeviceInfo(dev, CL_DEVICE_TYPE, sizeof type, &type, NULL),
                   "clGetDeviceInfo(%u:%u, CL_DEVICE_TYPE)", pi, di);
    SAKSI_CL_CHECK(clGetDeviceInfo(dev, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof mem, &mem, NULL),
                   "clGetDeviceInfo(%u:%u, CL_DEVICE_GLOBAL_MEM_SIZE)", pi, di);
    SAKSI_CL_CHECK(clGetDeviceInfo(dev, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof units, &units, NULL),
                   "clGetDeviceInfo(%u:%u, CL_DEVICE_MAX_COMPUTE_UNITS)", pi, di);
    SAKSI_CL_CHECK(clGetDeviceInfo(dev, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof wg, &wg, NULL),
                   "clGetDeviceInfo(%u:%u, CL_DEVICE_MAX_WORK_GROUP_SIZE)", pi, di);
    info->is_cpu = (type & CL_DEVICE_TYPE_CPU) != 0;
    info->global_mem = mem;
    info->compute_units = units;
    info->max_work_group = wg;
out:
    return rc;
}

saksi_status saksi_devices_list(saksi_device_info **list, size_t *n, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    cl_platform_id *plat = NULL;
    cl_device_id *dev = NULL;
    saksi_device_info *info = NULL, *grown;
    cl_uint np = 0, nd = 0;
    size_t count = 0;

    *list = NULL;
    *n = 0;
    SAKSI_TRY(list_platforms(&plat, &np, err));
    for (cl_uint p = 0; p < np; p++) {
        SAKSI_TRY(list_devices(plat[p], p, &dev, &nd, err));
        if (nd > 0) {
            grown = saksi_realloc_array(info, count + nd, sizeof *info);
            if (!grown)
                SAKSI_ALLOC_FAIL("the device list");
            info = grown;
        }
        for (cl_uint d = 0; d < nd; d++)
            SAKSI_TRY(describe(plat[p], dev[d], p, d, &info[count++], err));
        free(dev);
        dev = NULL;
    }
    *list = info;
    *n = count;
    info = NULL;
out:
    free(info);
    free(dev);
    free(plat);
    return rc;
}

static int is_accelerated(cl_device_id dev, cl_int *e)
{
    cl_device_type type = 0;
    *e = clGetDeviceInfo(dev, CL_DEVICE_TYPE, sizeof type, &type, NULL);
    return (type & (CL_DEVICE_TYPE_GPU | CL_DEVICE_TYPE_ACCELERATOR)) != 0;
}

/* The first device over platforms [p0, p1) that is a GPU or accelerator
 * (want_accel) or of any type; *found = 0 when there is none. */
static saksi_status first_device(const cl_platform_id *plat, cl_uint p0, cl_uint p1,
                                 int want_accel, cl_platform_id *platform, cl_device_id *device,
                                 int *found, size_t *ndevices, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    cl_device_id *dev = NULL;
    cl_uint nd = 0;
    cl_int e;

    *found = 0;
    *ndevices = 0;
    for (cl_uint p = p0; p < p1 && !*found; p++) {
        SAKSI_TRY(list_devices(plat[p], p, &dev, &nd, err));
        *ndevices += nd;
        for (cl_uint d = 0; d < nd && !*found; d++) {
            int accel = is_accelerated(dev[d], &e);
            SAKSI_CL_CHECK(e, "clGetDeviceInfo(%u:%u, CL_DEVICE_TYPE)", (unsigned)p, (unsigned)d);
            if (accel || !want_accel) {
                *platform = plat[p];
                *device = dev[d];
                *found = 1;
            }
        }
        free(dev);
        dev = NULL;
    }
out:
    free(dev);
    return rc;
}

saksi_status saksi_cl_select_device(const saksi_cl_options *opt, cl_platform_id *platform,
                                    cl_device_id *device, saksi_error *err)
{
    saksi_status rc = SAKSI_OK;
    cl_platform_id *plat = NULL;
    cl_device_id *dev = NULL;
    cl_uint np = 0, nd = 0;
    size_t ndevices = 0;
    int found = 0;

    if (opt->platform_index < 0 && opt->device_index >= 0)
        SAKSI_FAIL(SAKSI_ERR_USAGE, "OpenCL device index %d given without a platform index",
                   opt->device_index);
    SAKSI_TRY(list_platforms(&plat, &np, err));
    if (np == 0)
        SAKSI_FAIL(SAKSI_ERR_NODEVICE, "no OpenCL platform found: the ICD loader lists none "
                                       "(install a driver, e.g. pocl-opencl-icd)");
    if (opt->platform_index >= 0 && (cl_uint)opt->platform_index >= np)
        SAKSI_FAIL(SAKSI_ERR_NODEVICE, "OpenCL platform %d does not exist (%u platforms)",
                   opt->platform_index, (unsigned)np);

    if (opt->device_index >= 0) {
        SAKSI_TRY(list_devices(plat[opt->platform_index], (unsigned)opt->platform_index, &dev,
                               &nd, err));
        if ((cl_uint)opt->device_index >= nd)
            SAKSI_FAIL(SAKSI_ERR_NODEVICE, "OpenCL device %d:%d does not exist (platform %d has "
                                           "%u devices)",
                       opt->platform_index, opt->device_index, opt->platform_index, (unsigned)nd);
        *platform = plat[opt->platform_index];
        *device = dev[opt->device_index];
        goto out;
    }

    /* Automatic choice, within one platform when one is named. */
    cl_uint p0 = opt->platform_index >= 0 ? (cl_uint)opt->platform_index : 0;
    cl_uint p1 = opt->platform_index >= 0 ? p0 + 1 : np;
    SAKSI_TRY(first_device(plat, p0, p1, 1, platform, device, &found, &ndevices, err));
    if (!found && opt->allow_cpu)
        SAKSI_TRY(first_device(plat, p0, p1, 0, platform, device, &found, &ndevices, err));
    if (!found && ndevices == 0)
        SAKSI_FAIL(SAKSI_ERR_NODEVICE, "no OpenCL device found on %u platform%s",
                   (unsigned)(p1 - p0), p1 - p0 == 1 ? "" : "s");
    if (!found)
        SAKSI_FAIL(SAKSI_ERR_NODEVICE,
                   "no OpenCL GPU or accelerator among %zu device%s; a CPU device is used only "
                   "when allowed (--backend opencl) or named (--device P:D)",
                   ndevices, ndevices == 1 ? "" : "s");
out:
    free(dev);
    free(plat);
    return rc;
}
