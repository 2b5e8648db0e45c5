/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli.c — scaffold until the engine lands; replaced by the real CLI. */
#include "saksi.h"
int main(void)
{
    return 0;
}
