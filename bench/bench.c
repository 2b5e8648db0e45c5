/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench.c — scaffold until the engine lands; replaced by the real benchmark. */
#include "saksi.h"
int main(void)
{
    return 0;
}
