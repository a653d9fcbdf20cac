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


def test_the_anchor_pays_for_moving_the_old_channels_and_leaves_the_pitch_channels_free():
    """train_joint --anchor-weight: a frozen copy of the starting transformer; the distillation
    term is zero where the student still agrees with it, stays zero when only what it writes in
    the pitch channels changes, and grows when an old channel's output moves."""
    from talkie.models.training.train_joint import Anchor, flow_loss

    model, codec = _model_and_grown_codec()
    grown = add_pitch_channels(model, codec.state_dict(), {"config": codec.cfg.to_dict()}, "test", clips=3)
    anchor = Anchor(grown.joint, grown.audio_codec)
    assert torch.equal(anchor.audio_channels, torch.as_tensor(channel_map(8, 10)))
    av, B = grown.av, 2
    Lv, La = len(av.video_token_times()), len(av.audio_token_times())
    g = torch.Generator().manual_seed(2)
    text = TextEmbedding(torch.randn(B, 5, grown.joint.cfg.text_token_dim, generator=g),
                         torch.ones(B, 5, dtype=torch.bool), torch.randn(B, 384, generator=g))
    batch = (torch.randn(B, Lv, grown.joint.cfg.video_dim, generator=g), torch.randn(B, La, 40, generator=g),
             torch.full((B,), 0.5), torch.full((B,), 0.5), torch.zeros(B, Lv, dtype=torch.bool),
             torch.zeros(B, La, dtype=torch.bool), torch.ones(B, dtype=torch.bool), text, text,
             torch.ones(B, Lv), torch.ones(B, La))
    norm = (grown.video_mean, grown.video_std, grown.audio_mean, grown.audio_std)

    def drift():
        torch.manual_seed(3)  # the same noise for every reading
        with torch.no_grad():
            return flow_loss(grown.joint, norm, batch, av, torch.device("cpu"), False, anchor)[2].item()

    assert drift() == 0.0
    new = torch.ones(40, dtype=torch.bool)
    new[channel_map(8, 10)] = False
    with torch.no_grad():
        grown.joint.a_out.weight[new] += 0.5
    assert drift() == 0.0
    with torch.no_grad():
        grown.joint.a_out.weight[0] += 0.5
    assert drift() > 0.0


def _tone_stems(clips: int, samples: int, on: tuple[str, ...]) -> torch.Tensor:
    """[clips, STEMS, samples]: a 220 Hz tone with two harmonics on the stems named, silence elsewhere."""
    from talkie.models.config import STEMS

    t = torch.arange(samples) / 16000
    tone = 0.3 * torch.sin(2 * torch.pi * 220 * t) + 0.15 * torch.sin(2 * torch.pi * 440 * t)
    stems = torch.zeros(clips, len(STEMS), samples)
    for i, s in enumerate(STEMS):
        if s in on:
            stems[:, i] = tone
    return stems


def test_training_latents_carry_pitch_on_the_voice_and_music_stems_only(tmp_path):
    """The trainer's latents (CodecLatents, used by the renderers and --encode-on-trainer) are
    the model's own encode_audio's: a tone on the effects stem (a glass ball's ring) is not
    tracked, so the transformer never learns to write a pitch the decoder was not trained on."""
    from talkie.models.checkpoint import save_checkpoint
    from talkie.models.config import STEMS
    from talkie.models.training.latent_source import CodecLatents

    model, codec = _model_and_grown_codec()
    grown = add_pitch_channels(model, codec.state_dict(), {"config": codec.cfg.to_dict()}, "test", clips=3)
    paths = [str(tmp_path / f"{k}.safetensors") for k in ("video", "audio")]
    for path, kind, c in zip(paths, ("video", "audio"), (grown.video_codec, grown.audio_codec)):
        save_checkpoint(path, c.state_dict(), {"kind": f"{kind}_codec", "config": c.cfg.to_dict()})
    samples = grown.av.padded_samples
    stems = _tone_stems(2, samples, on=STEMS)
    frames = torch.zeros(2, grown.av.num_frames, 64, 64, 3, dtype=torch.uint8).numpy()
    _, za = CodecLatents(*paths)(frames, stems.numpy())
    za = torch.from_numpy(za).view(2, za.shape[1], len(STEMS), 10)
    for i, s in enumerate(STEMS):
        voiced = za[:, 2:-2, i, 8]
        assert (voiced > 0.5).all() if s in ("voice", "music") else (za[:, :, i, 8:] == 0).all(), s
    with torch.no_grad():  # the same numbers as the model's own encoder (which also normalises)
        own = grown.encode_audio(stems, grown.av) * grown.audio_std + grown.audio_mean
    assert torch.allclose(own.view_as(za), za, atol=1e-5)


def test_the_decoder_ignores_a_pitch_written_on_an_unpitched_stem():
    """Whatever a sampler leaves in the effects' or ambience's pitch channels, those stems decode
    as if it were zero; the voice's pitch still turns its decoder."""
    from talkie.models.config import STEMS

    model, codec = _model_and_grown_codec()
    grown = add_pitch_channels(model, codec.state_dict(), {"config": codec.cfg.to_dict()}, "test", clips=3)
    with torch.no_grad():
        grown.audio_codec.harmonic_gate.bias.fill_(30.0)  # the gate open: the pitch counts wherever voiced
        z = torch.randn(1, grown.av.num_audio_tokens, 40)
        told = z.view(1, -1, len(STEMS), 10).clone()
        told[..., 8] = (1 - grown.audio_mean.view(4, 10)[:, 8]) / grown.audio_std.view(4, 10)[:, 8]  # voiced
        told[..., 9] = (0.5 - grown.audio_mean.view(4, 10)[:, 9]) / grown.audio_std.view(4, 10)[:, 9]
        quiet = told.clone()
        quiet[..., 8] = -grown.audio_mean.view(4, 10)[:, 8] / grown.audio_std.view(4, 10)[:, 8]  # unvoiced
        a, b = grown.decode_audio(told.flatten(2), grown.av), grown.decode_audio(quiet.flatten(2), grown.av)
    for i, s in enumerate(STEMS):
        same = torch.allclose(a[0, i], b[0, i], atol=1e-6)
        assert same == (s not in ("voice", "music")), s
