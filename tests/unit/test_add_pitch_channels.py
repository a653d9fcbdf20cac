"""A model grown by pitch channels reads and writes every channel its transformer knew exactly
as before; the statistics of those channels are kept; a codec that is not the model's own,
grown, is refused."""
import os
from dataclasses import replace

import pytest
import torch

from talkie.models.av_model import TalkieModel
from talkie.models.checkpoint import CheckpointError
from talkie.models.codecs import AudioCodec
from talkie.models.text_encoder import TextEmbedding
from talkie.models.training.add_pitch_channels import add_pitch_channels, channel_map
from talkie.models.training.train_codecs import load_with_new_decoder, with_pitch_inputs

TINY = os.path.join(os.path.dirname(__file__), "..", "..", "models", "configs", "talkie-tiny.json")


def _model_and_grown_codec():
    torch.manual_seed(0)
    model = TalkieModel.from_size_config(TINY)
    model.audio_codec = AudioCodec(replace(model.audio_codec.cfg, phase="integrated"))
    with torch.no_grad():  # a transformer that has learned something: its output layers are not zero
        for layer in (model.joint.a_out, model.joint.a_out_ada, model.joint.v_out):
            layer.weight.normal_(0, 0.1)
        model.audio_mean.normal_()
        model.audio_std.uniform_(0.5, 2.0)
    grown = AudioCodec(replace(model.audio_codec.cfg, pitch_channels=2))
    load_with_new_decoder(grown, with_pitch_inputs(model.audio_codec.state_dict(), 8), "test")
    return model.eval(), grown


def _predict(model, xa):
    B, La, Lv = xa.shape[0], xa.shape[1], 6
    g = torch.Generator().manual_seed(1)  # the same text and video for both models
    text = TextEmbedding(torch.randn(B, 5, model.joint.cfg.text_token_dim, generator=g),
                         torch.ones(B, 5, dtype=torch.bool), torch.randn(B, 384, generator=g))
    xv = torch.randn(B, Lv, model.joint.cfg.video_dim, generator=g)
    t = torch.full((B,), 0.5)
    with torch.no_grad():
        return model.joint(xv, xa, t, t, torch.linspace(0, 1, Lv).expand(B, Lv), torch.linspace(0, 1, La).expand(B, La),
                           text, text)


def test_the_grown_transformer_reads_and_writes_the_old_channels_as_before():
    model, codec = _model_and_grown_codec()
    grown = add_pitch_channels(model, codec.state_dict(), {"config": codec.cfg.to_dict()}, "test", clips=3)
    assert grown.joint.cfg.audio_dim == 40 and grown.audio_codec.cfg.pitch_channels == 2
    where = channel_map(8, 10)
    assert torch.equal(grown.audio_mean[where], model.audio_mean) and torch.equal(grown.audio_std[where], model.audio_std)
    xa = torch.randn(2, 9, 32)
    wide = torch.randn(2, 9, 40)  # whatever the new channels hold
    wide[..., where] = xa
    v_old, a_old = _predict(model, xa)
    v_new, a_new = _predict(grown, wide)
    assert torch.allclose(v_new, v_old, atol=1e-5) and torch.allclose(a_new[..., where], a_old, atol=1e-5)
    new = torch.ones(40, dtype=torch.bool)
    new[where] = False
    assert torch.equal(a_new[..., new], torch.zeros_like(a_new[..., new]))  # written at their mean
    assert (grown.audio_mean[new][:4] == 0).all() and (grown.audio_std[new][:4] == 1).all()  # effects, ambience


def test_only_the_models_own_codec_grown_by_pitch_is_taken():
    model, codec = _model_and_grown_codec()
    with pytest.raises(CheckpointError, match="expected a codec with pitch channels"):
        add_pitch_channels(model, model.audio_codec.state_dict(), {"config": model.audio_codec.cfg.to_dict()}, "x")
    other = {k: (v + 1 if k.startswith("enc.") else v) for k, v in codec.state_dict().items()}
    with pytest.raises(CheckpointError, match="another audio encoder"):
        add_pitch_channels(model, other, {"config": codec.cfg.to_dict()}, "x")
    wider = {**codec.cfg.to_dict(), "width": 64}
    with pytest.raises(CheckpointError, match="config differs"):
        add_pitch_channels(model, codec.state_dict(), {"config": wider}, "x")
