"""Whether to run the transformer under bf16 autocast on a device.

bf16 pays only where the hardware computes it: CUDA GPUs that support it, and CPUs with
AVX512-BF16 or AMX tiles. On any other CPU (AVX2 machines, such as the 2-core ones this
pack is developed and tested on) PyTorch emulates bf16 and the transformer runs about 3x
slower than in fp32 (BENCHMARKS.md, session 23), so there we stay in fp32."""
from __future__ import annotations

import torch


def cpu_has_native_bf16() -> bool:
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")  # private, hence looked up with care
    for name in probes:
        probe = getattr(torch.cpu, name, None)
        try:
            if probe is not None and probe():
                return True
        except RuntimeError:
            pass
    return False


def bf16_autocast_pays(device: torch.device | str) -> bool:
    kind = torch.device(device).type
    if kind == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    if kind == "cpu":
        return cpu_has_native_bf16()
    return False  # mps and others: fp32, the safe choice


# command-line names -> an `autocast` setting (None = decide per device)
PRECISIONS = {"auto": None, "bf16": True, "fp32": False}


def uses_bf16(autocast: bool | None, device: torch.device | str) -> bool:
    """Whether a run with this `autocast` setting computes in bf16 on `device`."""
    return bf16_autocast_pays(device) if autocast is None else autocast


def precision_name(autocast: bool | None, device: torch.device | str = "cpu") -> str:
    return "bf16" if uses_bf16(autocast, device) else "fp32"
