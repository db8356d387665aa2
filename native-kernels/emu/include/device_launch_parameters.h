// device_launch_parameters.h under emulation: everything it would provide comes from cuda_emu.h.
#pragma once
