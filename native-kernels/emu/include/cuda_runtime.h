// cuda_runtime.h under emulation: everything it would provide comes from cuda_emu.h.
#pragma once
