// cuda_bf16.h under emulation: the types and conversions of emu_fp16.h (already included by cuda_emu.h).
#pragma once
#include "../emu_fp16.h"
