// The one place that picks the libfuse API level (3.12: fuse_loop_cfg_*),
// so every fusefs file includes libfuse the same way.
#pragma once

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
