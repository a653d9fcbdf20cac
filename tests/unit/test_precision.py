"""bf16 autocast only where the device computes bf16 natively; fp32 elsewhere."""
import pytest
import torch

from talkie.models import precision
from tiny_sampling import tiny_sampler


def test_cpu_choice_follows_the_cpu_features(monkeypatch):
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False, raising=False)
    assert not precision.bf16_autocast_pays("cpu")
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True, raising=False)
    assert precision.bf16_autocast_pays("cpu")
    monkeypatch.delattr(torch.cpu, "_is_avx512_bf16_supported", raising=False)
    monkeypatch.delattr(torch.cpu, "_is_amx_tile_supported", raising=False)
    assert not precision.bf16_autocast_pays(torch.device("cpu"))   # a torch without the probes: fp32


def test_training_on_a_cpu_stays_in_fp32_even_where_bf16_is_native(monkeypatch):
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True, raising=False)
    assert precision.uses_bf16(None, "cpu") and precision.precision_name(None, "cpu") == "bf16"
    assert not precision.uses_bf16(None, "cpu", training=True)
    assert precision.precision_name(None, "cpu", training=True) == "fp32"
    assert precision.uses_bf16(True, "cpu", training=True)  # asked for explicitly: bf16


def test_other_devices_stay_in_fp32_without_cuda():
    assert not precision.bf16_autocast_pays("meta")


@pytest.mark.parametrize("native", [False, True])
def test_sampler_default_follows_the_device(monkeypatch, native):
    run = tiny_sampler(steps=2)
    monkeypatch.setattr(precision, "bf16_autocast_pays", lambda device, training=False: native)
    auto_v, _ = run()
    explicit_v, _ = run(autocast=native)
    other_v, _ = run(autocast=not native)
    assert torch.equal(auto_v, explicit_v)
    assert not torch.equal(auto_v, other_v)   # the two precisions really differ, so the check above means something
