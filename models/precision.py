"""Whether to run the transformer under bf16 autocast on a device.

bf16 pays only where the hardware computes it: CUDA GPUs that support it, and CPUs with
AVX512-BF16 or AMX tiles. On any other CPU (AVX2 machines, such as the 2-core ones this
pack is developed and tested on) PyTorch emulates bf16 and the transformer runs about 3x
slower than in fp32 (BENCHMARKS.md, session 23), so there we stay in fp32.

Training on a CPU stays in fp32 even where bf16 is native: a train_joint step (batch 32, with
its backward and AdamW) took 1.51 s in bf16 and 1.25 s in fp32 on a 2-core Xeon with AMX
(session 24), while sampling there was 5 % faster in bf16."""
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


def bf16_autocast_pays(device: torch.device | str, training: bool = False) -> bool:
    kind = torch.device(device).type
    if kind == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    if kind == "cpu":
        return not training and cpu_has_native_bf16()
    return False  # mps and others: fp32, the safe choice


# command-line names -> an `autocast` setting (None = decide per device)
PRECISIONS = {"auto": None, "bf16": True, "fp32": False}


def uses_bf16(autocast: bool | None, device: torch.device | str, training: bool = False) -> bool:
    """Whether a run (sampling, or `training`) with this `autocast` setting computes in bf16 on `device`."""
    return bf16_autocast_pays(device, training) if autocast is None else autocast


def precision_name(autocast: bool | None, device: torch.device | str = "cpu", training: bool = False) -> str:
    return "bf16" if uses_bf16(autocast, device, training) else "fp32"
