"""The training scripts run end to end on tiny random instances (a few seconds each) and
leave loadable, resumable checkpoints. This is a smoke test of the recipe, not training."""
import json
import math
import os
import subprocess
import sys

import pytest

from talkie.models.av_model import TalkieModel
from talkie.models.checkpoint import load_checkpoint

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = os.path.join(REPO, "models", "configs", "talkie-tiny.json")


def _run(args, cwd, returncode=0):
    """Run `python -m args` on one thread; it must exit with `returncode` (2: argparse refused)."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    res = subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == returncode, res.stderr[-3000:]
    return res


def _swap_audio_codec(tmp_path, model_path, codec_path):
    """swap_decoders puts `codec_path`'s decoder into the model at `model_path`; the swapped
    model's audio codec must hold the file's tensors exactly (at the checkpoint's fp16)."""
    import torch

    swapped = tmp_path / "swapped.safetensors"
    _run(["talkie.models.training.swap_decoders", "--checkpoint", str(model_path), "--audio-codec", str(codec_path),
          "--out", str(swapped)], tmp_path)
    got = TalkieModel.load(str(swapped))
    theirs, _ = load_checkpoint(str(codec_path))
    for k, v in got.audio_codec.state_dict().items():
        assert torch.equal(v, theirs[k].half().float()), k
    return got


def test_codec_training_writes_a_checkpoint(tmp_path):
    _run(["talkie.models.training.train_codecs", "--which", "video", "--minutes", "0.05", "--buffer", "4",
          "--batch", "4", "--pair-motion-weight", "5", "--colour-weight", "2", "--colour-background-weight", "0.5",
          "--line-stats-weight", "10", "--line-stats-moving", "--line-stats-long-px", "9", "--family-weights", "glass=0.5,drum=0.2",
          "--object-mask-weight", "5", "--object-centroid-weight", "0.05", "--colour-key-weight", "0.05",
          "--brightness-weight", "2", "--motion-energy-weight", "5", "--latents-per-item", "2", "--rain-prob", "0.5",
          "--streak-density-weight", "0.2", "--object-colour-weight", "0.3",
          "--out", str(tmp_path)], tmp_path)
    tensors, meta = load_checkpoint(str(tmp_path / "video_codec.safetensors"))
    assert meta["kind"] == "video_codec" and meta["step"] >= 1 and tensors
    assert meta["family_weights"]["glass"] == 0.5 and meta["family_weights"]["ball"] == 0.3
    assert meta["rain_prob"] == 0.5 and meta["latents_per_item"] == 2
    assert (tmp_path / "video_log.jsonl").exists() or meta["step"] < 50


def test_the_line_statistics_options_are_refused_where_they_do_not_apply(tmp_path):
    audio = ["talkie.models.training.train_codecs", "--which", "audio", "--minutes", "0.01", "--out", str(tmp_path)]
    assert "a video loss" in _run(audio + ["--line-stats-weight", "1"], tmp_path, returncode=2).stderr
    for flag in ("--object-mask-weight", "--object-centroid-weight", "--object-colour-weight", "--colour-key-weight",
                 "--brightness-weight", "--motion-energy-weight", "--streak-density-weight"):
        assert "a video loss" in _run(audio + [flag, "1"], tmp_path, returncode=2).stderr
    assert "video latents per batch item" in _run(audio + ["--latents-per-item", "2"], tmp_path, returncode=2).stderr
    run_dir = tmp_path / "run"   # refused before anything is made or read
    video = ["talkie.models.training.train_codecs", "--which", "video", "--minutes", "0.01", "--out", str(run_dir)]
    for extension in (["--line-stats-moving"], ["--line-stats-long-px", "9"]):
        assert "give --line-stats-weight too" in _run(video + extension, tmp_path, returncode=2).stderr
    for length in ("-1", "63"):  # a 64-px frame's line map is 62 px long
        refused = _run(video + ["--line-stats-weight", "1", "--line-stats-long-px", length], tmp_path, returncode=2)
        assert "a line length in pixels" in refused.stderr
    for families in ("glass,drum", ","):  # the drum's colour is read off a band, not the object mask
        refused = _run(video + ["--object-colour-weight", "1", "--object-colour-families", families], tmp_path,
                       returncode=2)
        assert "--object-colour-families takes some of glass, ball" in refused.stderr
    assert not list(tmp_path.glob("*_codec.safetensors")) and not run_dir.exists()


def test_a_new_video_codec_takes_its_latent_size_and_keeps_it_when_trained_on(tmp_path):
    base = ["talkie.models.training.train_codecs", "--which", "video", "--minutes", "0.02", "--buffer", "4",
            "--batch", "2", "--out", str(tmp_path)]
    _run(base + ["--latent-dim", "24"], tmp_path)
    tensors, meta = load_checkpoint(str(tmp_path / "video_codec.safetensors"))
    assert meta["config"]["latent_dim"] == 24 and tensors["to_latent.weight"].shape[0] == 24
    _run(base + ["--resume"], tmp_path)  # no --latent-dim: the checkpoint's own size
    _, resumed = load_checkpoint(str(tmp_path / "video_codec.safetensors"))
    assert resumed["config"]["latent_dim"] == 24 and resumed["step"] > meta["step"]
    for extra, msg in ((["--resume", "--latent-dim", "48"], "a new size is a new codec"),
                       (["--latent-dim", "0"], "positive size")):
        assert msg in _run(base + extra, tmp_path, returncode=2).stderr


def test_family_weights_replace_the_worlds_defaults_and_refuse_bad_input():
    from talkie.models.training.data import parse_family_weights
    from talkie.models.world import DEFAULT_WEIGHTS
    assert parse_family_weights(None) is None
    w = parse_family_weights("glass=0.3, drum=0")
    assert w["glass"] == 0.3 and w["drum"] == 0.0
    assert {k: v for k, v in w.items() if k not in ("glass", "drum")} == \
        {k: v for k, v in DEFAULT_WEIGHTS.items() if k not in ("glass", "drum")}
    for bad, msg in (("glas=1", "not FAMILY=WEIGHT"), ("glass", "not FAMILY=WEIGHT"), ("glass=x", "not a number"),
                     ("glass=-1", ">= 0"), ("glass=nan", ">= 0"), ("glass=inf", "finite"),
                     (",".join(f"{k}=0" for k in DEFAULT_WEIGHTS), "positive weight")):
        with pytest.raises(ValueError, match=msg):
            parse_family_weights(bad)


def test_codec_training_starts_from_a_talkie_models_codec(tmp_path):
    from talkie.models.checkpoint import CheckpointError
    from talkie.models.training.train_codecs import load_codec_checkpoint
    model_path = tmp_path / "tiny.safetensors"
    model = TalkieModel.from_size_config(TINY)
    model.save(str(model_path))
    tensors, meta = load_codec_checkpoint(str(model_path), "video")
    own = model.video_codec.state_dict()
    assert set(tensors) == set(own) and meta["kind"] == "video_codec" and meta["step"] == 0
    assert all((tensors[k] - own[k].half().float()).abs().max() == 0 for k in own)
    with pytest.raises(CheckpointError, match="neither the audio codec"):
        load_codec_checkpoint(_video_codec_file(tmp_path), "audio")
    _run(["talkie.models.training.train_codecs", "--which", "video", "--decoder-only", "--init-from", str(model_path),
          "--minutes", "0.05", "--buffer", "4", "--batch", "4", "--out", str(tmp_path / "ft")], tmp_path)
    trained, _ = load_checkpoint(str(tmp_path / "ft" / "video_codec.safetensors"))
    frozen = [k for k in tensors if k.startswith(("enc.", "to_latent."))]
    assert frozen and all((trained[k].float() - tensors[k]).abs().max() == 0 for k in frozen)


def _video_codec_file(tmp_path):
    from talkie.models.checkpoint import save_checkpoint
    from talkie.models.codecs import VideoCodec, VideoCodecConfig
    path = tmp_path / "video_codec.safetensors"
    codec = VideoCodec(VideoCodecConfig())
    save_checkpoint(str(path), codec.state_dict(), {"kind": "video_codec", "config": codec.cfg.to_dict(), "step": 3})
    return str(path)


def test_colour_loss_sees_hue_on_objects_ignores_grey_level_and_weighs_background_as_asked():
    import torch

    from talkie.models.training.losses import colour_loss
    x = torch.full((1, 2, 8, 8, 3), 0.1)
    x[:, :, 2:5, 2:5] = torch.tensor([0.86, 0.18, 0.16])          # a red object on a dark background
    w = torch.ones(1, 2, 8, 8, 1)
    w[:, :, 2:5, 2:5] = 10.0                                      # foreground weights as video_batch makes them
    orange = x.clone()
    orange[:, :, 2:5, 2:5] = torch.tensor([0.96, 0.53, 0.12])
    brighter = x + 0.1                                            # same hue everywhere, one grey level up
    greener_sky = x.clone()
    greener_sky[:, :, 6:, :] = torch.tensor([0.1, 0.5, 0.1])      # a hue change off the object
    assert colour_loss(x, x, w) == 0
    assert colour_loss(orange, x, w) > 0.01
    assert colour_loss(brighter, x, w) < 1e-10
    assert colour_loss(greener_sky, x, w) == 0
    assert colour_loss(greener_sky, x, w, background=0.5) > 0.01  # held when the background counts too
    assert colour_loss(brighter, x, w, background=0.5) < 1e-10


def test_thin_line_stats_loss_wants_streaks_drawn_not_hazed_but_not_in_the_same_place():
    import torch
    import torch.nn.functional as F

    from talkie.models.training.losses import thin_line_stats_loss
    g = torch.Generator().manual_seed(0)

    def rain(n_streaks):  # 1-px wide, 4-px tall bright streaks on a dark sky, at random places
        x = torch.full((4, 64, 64, 3), 0.15)
        for f in range(4):
            ys = torch.randint(0, 60, (n_streaks,), generator=g)
            xs = torch.randint(1, 63, (n_streaks,), generator=g)
            for y0, x0 in zip(ys.tolist(), xs.tolist()):
                x[f, y0:y0 + 4, x0] = 0.5
        return x
    x = rain(40)
    haze = F.avg_pool2d(x.permute(0, 3, 1, 2), 3, 1, 1).permute(0, 2, 3, 1)   # what a pixel loss draws
    elsewhere = rain(40)                                                    # as many, other places
    sparse = rain(5)
    columns = haze.clone()                   # as many line pixels, as full-height lines at fixed columns
    columns[:, 4:44, 8::16] += 0.35
    flat = torch.full_like(x, 0.15)
    assert thin_line_stats_loss(x, x) == 0
    assert thin_line_stats_loss(elsewhere, x) < 0.25 * thin_line_stats_loss(haze, x)
    assert thin_line_stats_loss(sparse, x) > 2 * thin_line_stats_loss(elsewhere, x)   # how many counts
    assert thin_line_stats_loss(columns, x) > 4 * thin_line_stats_loss(elsewhere, x)  # and how long
    assert thin_line_stats_loss(flat, flat) == 0 and thin_line_stats_loss(x, flat) > 0  # none where none are
    # pixel error prefers the haze: the reason this term exists
    assert ((haze - x) ** 2).mean() < ((elsewhere - x) ** 2).mean()
    # lines that never move: the still statistics cannot tell them from rain, `moving` can
    still = elsewhere[:1].repeat(4, 1, 1, 1)
    edges = haze.clone()
    edges[:, :, 1] += 0.35
    edges[:, :, 61] += 0.35
    assert thin_line_stats_loss(still, x) < 2 * thin_line_stats_loss(elsewhere, x)
    for fixed in (still, edges):
        assert thin_line_stats_loss(fixed, x, moving=True) > 10 * thin_line_stats_loss(elsewhere, x, moving=True)
    assert thin_line_stats_loss(x, x, moving=True) == 0
    # ... except a line that flickers in place; its length gives it away (the streaks are 4 px)
    flicker = haze.clone()
    flicker[0::2, :, 1] += 0.5
    flicker[0::2, :, 61] += 0.5
    floor = haze.clone()
    floor[:, 56] += 0.35
    assert thin_line_stats_loss(flicker, x, moving=True) < 20 * thin_line_stats_loss(elsewhere, x, moving=True)
    for long_line in (flicker, floor):
        assert (thin_line_stats_loss(long_line, x, moving=True, long_px=9)
                > 30 * thin_line_stats_loss(elsewhere, x, moving=True, long_px=9))
    assert thin_line_stats_loss(x, x, moving=True, long_px=9) == 0


def test_object_mask_loss_costs_a_phantom_line_and_a_hole_not_a_faint_haze_or_the_floor():
    """The hinge sees what the trackers' mask sees: a line over the threshold where the
    picture has sky, or a ball drawn under it, costs; a haze under the threshold, anything
    below the floor row, and the target itself cost nothing. Its sky distance is the
    evaluation's own (`foreground_distance`)."""
    import torch

    from talkie.models.evaluation.clipdata import OBJECT_THRESHOLD
    from talkie.models.evaluation.image import foreground_distance
    from talkie.models.training.losses import object_mask_loss, sky_distance
    x = torch.tensor([0.08, 0.10, 0.14]).expand(1, 2, 64, 64, 3).clone()
    yy, xx = torch.meshgrid(torch.arange(64.0), torch.arange(64.0), indexing="ij")
    ball = ((yy - 30) ** 2 + (xx - 32) ** 2 < 16)
    x[:, :, ball] = torch.tensor([0.9, 0.3, 0.2])
    x[:, :, 58:] = 0.5                                     # the floor, below row 56

    def cost(y):
        return object_mask_loss(y, x, OBJECT_THRESHOLD, floor_row=56).item()

    assert torch.allclose(sky_distance(x)[0], torch.from_numpy(foreground_distance(x[0].numpy())))
    assert cost(x) == 0.0
    line, haze, low, hole = x.clone(), x.clone(), x.clone(), x.clone()
    line[:, :, 55] += 0.3                                   # a splash row drawn as one line
    haze[:, :, 50:56] += 0.1                                # faint: still sky to the tracker
    low[:, :, 57] += 0.3                                    # below the floor row: scenery
    hole[:, :, ball] = x[0, 0, 0, 0]                        # the ball not drawn
    assert cost(haze) == 0.0 and cost(low) == 0.0
    assert cost(line) > 1e-3 and cost(hole) > 1e-3


def test_object_centroid_loss_reads_a_balls_subpixel_shift_and_ignores_streaks_and_the_floor():
    """The loss is the centroid shift in pixels of the solid objects: an anti-aliased disc
    moved by 0.3 px down costs ~0.3, the target itself nothing; 1-px rain streaks and a line
    under the floor row, which the trackers never follow, cost nothing either."""
    import torch

    from talkie.models.evaluation.clipdata import OBJECT_THRESHOLD
    from talkie.models.training.losses import object_centroid_loss

    sky, ball = torch.tensor([0.08, 0.10, 0.14]), torch.tensor([0.9, 0.3, 0.2])
    yy, xx = torch.meshgrid(torch.arange(64.0), torch.arange(64.0), indexing="ij")

    def frames(cy):  # a disc of radius 4 with a one-pixel anti-aliased rim
        cover = (4.5 - ((yy - cy) ** 2 + (xx - 32) ** 2).sqrt()).clamp(0, 1)[..., None]
        return (sky + cover * (ball - sky)).expand(1, 2, 64, 64, 3).clone()

    x, shifted = frames(30.0), frames(30.3)

    def cost(y):
        return object_centroid_loss(y, x, OBJECT_THRESHOLD, floor_row=56).item()

    assert cost(x) == 0.0
    assert abs(cost(shifted) - 0.3) < 0.05
    streaks = x.clone()
    streaks[:, :, 5:9, 10] += 0.4                          # a rain streak far from the ball
    streaks[:, :, 60] += 0.4                               # below the floor row
    assert cost(streaks) == 0.0
    near = x.clone()
    near[:, :, 30, 37] += 0.4                              # a speck beside the ball, in its window
    assert cost(near) > 0.01


def test_colour_key_loss_reads_a_keyed_tip_moved_or_washed_out_and_a_stray_keyed_patch():
    """The drum tracker follows the stick tip by its colour key. The loss costs the tip moved
    a pixel down (~1 px of centroid plus the key map's change), the tip's colour washed
    towards the stick's (key mass lost), and a keyed patch drawn far away (the centroid
    pulled); the target itself, and frames with no keyed part, cost nothing. Its key is the
    trackers' own (`object_weights` with a colour)."""
    import numpy as np
    import torch

    from talkie.models.evaluation.sync_eval import KEYED_PARTS, STICK_TIP
    from talkie.models.metrics.visual_events import object_weights
    from talkie.models.training.losses import colour_key, colour_key_loss

    sky, stick = torch.tensor([0.45, 0.6, 0.8]), torch.tensor([150, 100, 55]) / 255
    tip = torch.tensor(STICK_TIP) / 255
    yy, xx = torch.meshgrid(torch.arange(64.0), torch.arange(64.0), indexing="ij")

    def frames(cy, colour=tip):
        img = sky.expand(1, 2, 64, 64, 3).clone()
        cover = (2.7 - ((yy - cy) ** 2 + (xx - 30) ** 2).sqrt()).clamp(0, 1)[..., None]
        return img + cover * (colour - img)

    x = frames(30.0)
    assert torch.allclose(colour_key(x, KEYED_PARTS["drum"])[0],
                          torch.from_numpy(object_weights(x[0].numpy(), color=np.array(STICK_TIP) / 255)), atol=1e-3)

    def cost(y, target=x):
        return colour_key_loss(y, target, [KEYED_PARTS["drum"], KEYED_PARTS["face"]]).item()

    assert cost(x) == 0.0
    assert cost(sky.expand(1, 2, 64, 64, 3).clone(), sky.expand(1, 2, 64, 64, 3).clone()) == 0.0
    assert 1.0 < cost(frames(31.0)) < 3.0
    assert cost(frames(30.0, 0.5 * (tip + stick))) > 0.3
    stray = x.clone()
    stray[:, :, 50:52, 50:52] = tip
    assert cost(stray) > 3.0


def test_each_keyed_part_is_held_on_its_own_familys_clips_only():
    """`keyed_parts_loss` applies the mouth's key to face clips and the stick tip's to drum
    clips: dark-red shading drawn off-colour costs in a face clip and nothing in a ball clip
    (where it is a red ball's shading, not a mouth)."""
    import torch

    from talkie.models.evaluation.sync_eval import KEYED_PARTS
    from talkie.models.training.train_codecs import keyed_parts_loss

    x = torch.full((2, 2, 64, 64, 3), 0.6)
    x[:, :, 40:44, 28:36] = torch.tensor(KEYED_PARTS["face"])
    y = x.clone()
    y[:, :, 40:44, 28:36] += torch.tensor([0.0, 0.12, 0.0])       # the dark red drawn more orange
    assert keyed_parts_loss(y, x, ["ball", "ball"]).item() == 0.0
    assert keyed_parts_loss(y, x, ["face", "ball"]).item() > 0.3
    assert keyed_parts_loss(x, x, ["face", "drum"]).item() == 0.0


def test_object_colour_loss_reads_the_tint_of_a_glass_and_its_shards_and_a_dim_halo():
    """The colour the tint detector reads is the mean (its median) over the object mask: the
    loss costs the glass and its shards drawn in another tint, the shards drawn as dim
    smudges (mask pixels barely over the threshold) and a dim halo around the glass, not a
    haze under the threshold; the target costs (almost) nothing, frames without an object
    nothing at all. On a training batch it is asked of glass items (and balls, below), not of
    the other families."""
    import torch

    from talkie.models.evaluation.clipdata import OBJECT_THRESHOLD
    from talkie.models.training.losses import object_colour_loss
    from talkie.models.training.train_codecs import mask_colour_loss
    from talkie.models.world.families.glass import TINTS

    sky = torch.tensor([0.12, 0.10, 0.14])

    def frames(tint="clear", shard_alpha=0.9, halo=0.0):
        v = sky.expand(1, 2, 64, 64, 3).clone()
        glass = sky + 0.75 * (torch.tensor(TINTS[tint]) / 255 - sky)
        v[:, :, 30:37, 28:33] = glass
        for col in range(10, 60, 7):                            # shards resting on the floor
            v[:, :, 54, col] = sky + shard_alpha * (torch.tensor(TINTS[tint]) / 255 - sky)
        if halo:
            v[:, :, 29, 27:34] += halo
            v[:, :, 37, 27:34] += halo
        return v

    x = frames()

    def cost(y, target=x):
        return object_colour_loss(y, target, OBJECT_THRESHOLD, floor_row=56).item()

    assert cost(x) < 0.01
    assert cost(frames("green")) > 0.15
    assert cost(frames("blue")) > 0.15
    assert cost(frames(shard_alpha=0.32)) > 0.2                # shards barely over the threshold
    assert cost(frames(halo=0.22)) > 0.1                       # a dim rim counted as object
    assert cost(frames(halo=0.1)) < 0.02                       # a haze under the threshold is sky
    empty = sky.expand(1, 2, 64, 64, 3).clone()
    assert cost(empty, empty) == 0.0
    pair, drawn = torch.cat([x, x]), torch.cat([frames("green"), frames("green")])
    assert mask_colour_loss(drawn, pair, ["drum", "face"], 56).item() == 0.0
    assert mask_colour_loss(drawn, pair, ["drum", "glass"], 56).item() > 0.15


def test_object_colour_loss_on_a_solid_core_reads_a_balls_hue_and_not_the_rain_around_it():
    """With `solid`, the colour is read off the object mask eroded by a pixel: a purple ball
    drawn bluer costs, 1-px rain streaks beside it cost nothing (they cost on the whole mask).
    On a training batch ball items are read this way."""
    import torch

    from talkie.models.evaluation.clipdata import OBJECT_THRESHOLD
    from talkie.models.training.losses import object_colour_loss
    from talkie.models.training.train_codecs import mask_colour_loss
    from talkie.models.world.families.common import COLOURS

    sky = torch.tensor([0.12, 0.10, 0.14])
    yy, xx = torch.meshgrid(torch.arange(64.0), torch.arange(64.0), indexing="ij")
    cover = (5.5 - ((yy - 30) ** 2 + (xx - 32) ** 2).sqrt()).clamp(0, 1)[..., None]

    def frames(colour, streaks=False):
        v = (sky + cover * (torch.tensor(colour) / 255 - sky)).expand(1, 2, 64, 64, 3).clone()
        if streaks:
            for col in range(4, 60, 6):
                v[:, :, 8:12, col] += 0.5
        return v

    x = frames(COLOURS["purple"])
    bluer = frames((125, 80, 215))

    def cost(y, solid=True):
        return object_colour_loss(y, x, OBJECT_THRESHOLD, floor_row=56, solid=solid).item()

    assert cost(x) < 0.01
    assert cost(bluer) > 0.15
    assert cost(frames(COLOURS["purple"], streaks=True)) < 0.01
    assert cost(frames(COLOURS["purple"], streaks=True), solid=False) > 0.1
    assert mask_colour_loss(bluer, x, ["ball"], 56).item() == cost(bluer)


def test_motion_energy_loss_reads_what_the_glass_tracker_reads():
    """Each frame's mean |luma change| from the one before: a static scene drawn two ways in
    turn, or a moving square drawn with a trailing ghost, costs; the same motion elsewhere in
    the frame costs nothing, and so does the target."""
    import torch

    from talkie.models.training.losses import motion_energy_loss

    def frames(x0=10, ghost=False, flicker=0.0):
        v = torch.full((1, 4, 64, 64, 3), 0.4)
        for t in range(4):
            v[0, t, 20:28, x0 + 4 * t:x0 + 4 * t + 8] = 0.9
            if ghost and t:
                v[0, t, 20:28, x0 + 4 * t - 4:x0 + 4 * t] = 0.65
            v[0, t] += flicker * (t % 2)
        return v

    x = frames()
    assert motion_energy_loss(x, x) == 0.0
    assert motion_energy_loss(frames(x0=30), x) < 1e-6
    assert motion_energy_loss(frames(flicker=0.005), x) > 0.004
    assert motion_energy_loss(frames(ghost=True), x) > 5e-4


def test_streak_density_counts_what_the_rain_intensity_detector_counts_and_its_loss_reads_extra_streaks():
    """On rendered rain the soft per-frame streak density is the detector's (its median over
    frames within 10 %); the loss costs light rain drawn with streaks added, costs nothing
    for the same density drawn in other columns, and nothing for frames without streaks."""
    import numpy as np
    import torch

    from talkie.models.config import AVConfig
    from talkie.models.evaluation.clipdata import ClipData
    from talkie.models.evaluation.detectors import rain_streak_density
    from talkie.models.training.losses import streak_density, streak_density_loss
    from talkie.models.world import render_clip

    av = AVConfig()
    for seed in (3, 4):
        c = ClipData.from_world(render_clip(seed, av, family="rain", split="train"), av)
        soft = float(streak_density(torch.from_numpy(np.asarray(c.frames)).float(), c.floor_row).median())
        assert abs(soft - rain_streak_density(c)) < 0.1 * rain_streak_density(c), seed

    def frames(columns, rows=range(4, 40, 9)):
        v = torch.full((1, 2, 64, 64, 3), 0.5)
        for col in columns:
            for r in rows:
                v[0, :, r:r + 4, col] = 0.7
        return v

    light = frames(range(3, 60, 8))
    assert streak_density_loss(light, light, 56) == 0.0
    assert streak_density_loss(frames(range(6, 63, 8)), light, 56) < 1e-6  # same count, elsewhere
    assert streak_density_loss(frames(range(3, 60, 4)), light, 56) > 0.3    # twice the streaks
    blank = torch.full((1, 2, 64, 64, 3), 0.5)
    assert streak_density_loss(blank, blank, 56) == 0.0


def test_hop_comb_loss_sees_a_pattern_locked_to_two_hops_and_not_other_tones():
    import torch

    from talkie.models.training.losses import hop_comb_loss
    sr, period = 16000, 128
    g = torch.Generator().manual_seed(0)
    x = 0.3 * torch.randn(2, sr, generator=g)
    t = torch.arange(sr) / sr
    locked = torch.randn(period, generator=g).repeat(sr // period + 1)[:sr]   # 125 Hz and its harmonics
    unlocked = torch.sin(2 * torch.pi * 190.0 * t)                           # between two teeth of the comb
    gain = 0.05 * x.norm() / locked.expand_as(x).norm()
    assert hop_comb_loss(x, x, period) == 0
    with_comb = hop_comb_loss(x + gain * locked, x, period)
    with_tone = hop_comb_loss(x + gain * unlocked * locked.norm() / unlocked.norm(), x, period)
    assert with_comb > 0.04                    # nearly all of the added 5 % shows up
    assert with_tone < 0.25 * with_comb


def test_pitch_loss_hears_a_note_five_hertz_off():
    import torch

    from talkie.models.training.losses import multires_stft_loss, pitch_loss
    t = torch.arange(16000) / 16000
    c4 = torch.sin(2 * torch.pi * 262 * t)[None]
    detuned = torch.sin(2 * torch.pi * 267 * t)[None]          # where the old decoder put C4
    shifted = torch.sin(2 * torch.pi * 262 * t + 1.0)[None]    # same note, another phase
    assert pitch_loss(c4, c4) == 0
    assert pitch_loss(detuned, c4) > 2 * pitch_loss(shifted, c4)
    assert pitch_loss(detuned, c4) > 2 * multires_stft_loss(detuned, c4, sizes=(128, 256))


def test_an_audio_codec_can_read_a_long_window_spectrum_that_tells_neighbouring_notes_apart(tmp_path):
    import torch

    from talkie.models.codecs import AudioCodec, AudioCodecConfig
    t = torch.arange(16384) / 16000
    d4, e4 = (torch.sin(2 * torch.pi * f * t)[None] for f in (293.66, 329.63))
    old, fine = AudioCodec(AudioCodecConfig()), AudioCodec(AudioCodecConfig(fine_fft=1024, fine_max_hz=2000.0))
    assert fine.fine_bins == 129 and old.fine_bins == 0
    assert old.spectrum_features(d4).shape[1] == 129 and fine.spectrum_features(d4).shape[1] == 258
    assert torch.equal(fine.spectrum_features(d4)[:, :129], old.spectrum_features(d4))  # the codec's own spectrum first
    # D4 and E4 peak in the same 62.5 Hz bin (312.5 Hz); 15.6 Hz bins put them two apart
    coarse_peak = lambda x: old.spectrum_features(x)[0, :, 100].argmax().item()  # noqa: E731
    fine_peak = lambda x: fine.spectrum_features(x)[0, 129:, 100].argmax().item()  # noqa: E731
    assert coarse_peak(d4) == coarse_peak(e4) and fine_peak(e4) - fine_peak(d4) >= 2
    assert set(fine.state_dict()) == set(old.state_dict())  # same tensors, only the first conv wider
    base = ["talkie.models.training.train_codecs", "--which", "audio", "--minutes", "0.03", "--buffer", "4",
            "--batch", "2", "--out", str(tmp_path)]
    _run(base + ["--fine-fft", "512", "--fine-max-hz", "1000", "--pitch-weight", "1"], tmp_path)
    tensors, meta = load_checkpoint(str(tmp_path / "audio_codec.safetensors"))
    assert meta["config"]["fine_fft"] == 512 and tensors["enc.0.weight"].shape[1] == 129 + 33
    _run(base + ["--resume"], tmp_path)  # keeps its input
    assert load_checkpoint(str(tmp_path / "audio_codec.safetensors"))[1]["config"]["fine_fft"] == 512
    res = _run(base + ["--resume", "--fine-fft", "1024"], tmp_path, returncode=2)
    assert "another encoder input is a new codec" in res.stderr


def test_joint_training_runs_and_resumes(tmp_path):
    start = tmp_path / "tiny.safetensors"
    TalkieModel.from_size_config(TINY).save(str(start))
    out = tmp_path / "joint"
    common = ["talkie.models.training.train_joint", "--config", TINY, "--out", str(out), "--threads", "1"]
    _run(common + ["--init-from", str(start), "--hours", "0.003"], tmp_path)
    model = TalkieModel.load(str(out / "talkie.safetensors"))
    first = model.checkpoint_meta["step"]
    _, state_meta = load_checkpoint(str(out / "train_state.safetensors"))
    assert state_meta["config"]["train"]["fresh_per_step"] == 1  # by default a sixth of the batch (4)
    assert first >= 1 and json.loads(json.dumps(model.checkpoint_meta))["recipe"].startswith("python -m")
    from talkie.models.colour_grounding import ColourVocabulary
    from talkie.models.world.colour_names import trained_colour_vocabulary

    recorded = ColourVocabulary.from_meta(model.checkpoint_meta)  # the words its captions used
    assert recorded is not None and recorded.to_meta() == trained_colour_vocabulary().to_meta()
    # each save leaves samples of held-out scenes, measured by the sync metric, as real MP4s
    import av

    samples = [json.loads(line) for line in open(out / "samples.jsonl")]
    assert [(x["step"], x["family"]) for x in samples] == [(first, f) for f in ("ball", "clap", "face")]
    for x in samples:
        assert x["sync"]["family"] == x["family"] and "f1" in x["sync"] and x["caption"]
        with av.open(str(out / x["mp4"])) as f:
            assert {s.type for s in f.streams} == {"video", "audio"}
            assert f.streams.video[0].width == 256
            assert sum(1 for _ in f.decode(video=0)) == round(model.av.seconds * model.av.fps)
    _run(common + ["--resume", "--hours", "0.002", "--event-weight", "3", "--family-weights", "ball=0.5",
                   "--rain-prob", "0.5", "--word-substitutes", "0.5", "--wide-grammar", "0.5", "--batch", "3",
                   "--workers", "2", "--fresh-per-step", "2"], tmp_path)
    _, meta = load_checkpoint(str(out / "train_state.safetensors"))
    assert meta["step"] > first
    train = meta["config"]["train"]
    assert (train["batch"], train["workers"], train["fresh_per_step"]) == (3, 2, 2)  # over the config's
    assert train["word_substitutes"] == 0.5 and train["wide_grammar"] == 0.5
    resumed = TalkieModel.load(str(out / "talkie.safetensors")).checkpoint_meta
    assert resumed["recipe"].endswith("--batch 3 --workers 2 --fresh-per-step 2")  # the options that made it
    for bad, says in ((["--batch", "0"], "--batch must be at least 1"), (["--workers", "-1"], "--workers must be"),
                      (["--steps", "0"], "--steps must be"), (["--fresh-per-step", "0"], "--fresh-per-step must be"),
                      (["--hours", "1", "--steps", "3"], "not both"),
                      (["--lr", "nan"], "--lr must be a finite number"), (["--hours", "0"], "--hours must be"),
                      (["--rain-prob", "1.5"], "--rain-prob must be between 0 and 1"),
                      (["--word-substitutes", "2"], "--word-substitutes must be within 0..1"),
                      (["--wide-grammar", "-0.1"], "--wide-grammar must be within 0..1"),
                      (["--codecs", str(tmp_path / "nowhere")], "neither a Talkie model file nor a folder"),
                      (["--samples", "ball,unicorn"], "--samples: 'ball,unicorn' is not")):
        refused = _run(["talkie.models.training.train_joint", "--config", TINY, "--out", str(tmp_path / "refused"), *bad],
                       tmp_path, returncode=2)
        assert says in refused.stderr and not (tmp_path / "refused").exists()


def test_a_continuation_can_warm_only_its_latent_layers_restart_its_ema_and_anchor_to_itself(tmp_path):
    """--warm-latent-layers: for its first steps a run moves only the layers whose shape follows a
    codec's latent; --restart-ema: the EMA of a model already many steps old follows the new run
    at once instead of staying at the old weights."""
    import torch

    from talkie.models.training.train_joint import LATENT_LAYERS

    start = tmp_path / "old.safetensors"
    TalkieModel.from_size_config(TINY).save(str(start), {"step": 100000, "trained_hours": 1.0})
    before = TalkieModel.load(str(start)).joint.state_dict()
    latent = sum(LATENT_LAYERS.values(), ())

    def run(name, *extra):
        _run(["talkie.models.training.train_joint", "--config", TINY, "--out", str(tmp_path / name), "--threads", "1",
              "--init-from", str(start), "--steps", "3", "--lr", "1e-2", "--samples", "none", *extra], tmp_path)
        tensors, meta = load_checkpoint(str(tmp_path / name / "train_state.safetensors"))
        assert meta["step"] == 100003 and meta["run_start_step"] == 100000
        return ({k[6:]: v for k, v in tensors.items() if k.startswith("model.")},
                {k[4:]: v for k, v in tensors.items() if k.startswith("ema.")})

    live, ema = run("warm", "--warm-latent-layers", "3", "--restart-ema", "--anchor-weight", "1",
                    "--video-delta-weight", "1", "--loudness-weight", "1")
    moved = {k for k, v in live.items() if v.is_floating_point() and not torch.equal(v, before[k])}
    assert moved and all(k.startswith(latent) for k in moved), sorted(moved)
    assert "a_out.weight" in moved and "a_in.weight" in moved
    for k in moved:  # the restarted EMA is nearer the new weights than the old ones
        assert (ema[k] - live[k]).norm() < 0.5 * (before[k] - live[k]).norm(), k
    live, ema = run("plain")
    assert any(not k.startswith(latent) and not torch.equal(v, before[k]) for k, v in live.items())
    for k in ("a_out.weight", "blocks.0.v.qkv.weight"):  # without the restart it stays at the old weights
        assert (ema[k] - before[k]).norm() < 0.05 * (live[k] - before[k]).norm(), k
    log = [json.loads(line) for line in open(tmp_path / "warm" / "log.jsonl")]
    assert all(math.isfinite(x["loss_video_delta"]) and x["loss_video_delta"] > 0 for x in log)
    assert all(math.isfinite(x["loss_loudness"]) and x["loss_loudness"] > 0 for x in log)
    for bad in (["--warm-latent-layers", "-1"], ["--anchor-weight", "-1"], ["--anchor-weight", "inf"],
                ["--video-delta-weight", "-1"], ["--video-delta-weight", "nan"], ["--loudness-weight", "-0.5"]):
        _run(["talkie.models.training.train_joint", "--config", TINY, "--out", str(tmp_path / "refused"), *bad],
             tmp_path, returncode=2)
    assert not (tmp_path / "refused").exists()


def test_the_video_delta_loss_pays_for_errors_that_change_between_neighbouring_tokens():
    """flow_loss's last term: an error the same on every token costs nothing there, one that
    flips sign from token to token costs four times its per-token loss, and a pair with a token
    held clean (a conditioning frame) does not count."""
    import torch

    from talkie.models.config import AVConfig
    from talkie.models.text_encoder import TextEmbedding
    from talkie.models.training.train_joint import flow_loss

    av, B, C = AVConfig(), 2, 6
    Lv, La = av.num_video_tokens, av.num_audio_tokens
    zv, za = torch.randn(B, Lv, C), torch.randn(B, La, 4)
    norm = (torch.zeros(C), torch.ones(C), torch.zeros(4), torch.ones(4))
    text = TextEmbedding(torch.zeros(B, 1, 8), torch.ones(B, 1, dtype=torch.bool), torch.zeros(B, 8))

    def loss(error, keep_v=None):
        keep_v = torch.zeros(B, Lv, dtype=torch.bool) if keep_v is None else keep_v
        batch = (zv, za, torch.full((B,), 0.5), torch.full((B,), 0.5), keep_v, torch.zeros(B, La, dtype=torch.bool),
                 torch.ones(B, dtype=torch.bool), text, text, torch.ones(B, Lv), torch.ones(B, La))

        def model(*inputs):  # an x0 prediction off by `error`
            return zv + error, za

        out = flow_loss(model, norm, batch, av, torch.device("cpu"), False)
        return out.video.item(), out.video_delta.item()

    lv, dv = loss(torch.full((B, Lv, C), 0.3))
    assert lv > 0 and dv < 1e-9 * lv  # (rounding only)
    flip = 0.3 * (-1.0) ** torch.arange(Lv)[None, :, None].expand(B, Lv, C)
    lv, dv = loss(flip)
    assert abs(dv - 4 * lv) < 1e-4 * lv
    step = torch.zeros(B, Lv, C)
    step[:, 10:] = 0.3  # one jump, between tokens 9 and 10
    held = torch.zeros(B, Lv, dtype=torch.bool)
    held[:, 10] = True
    assert loss(step)[1] > 1e-3 and loss(step, held)[1] < 1e-12


def test_the_loudness_loss_hears_a_changed_token_through_the_codec_and_not_a_held_one():
    """flow_loss with a frozen audio codec: the decoder reads the predicted and the true latent;
    a prediction equal to the truth costs nothing, one token changed costs something and passes
    a gradient back to the prediction, and the same change on a token held clean costs nothing."""
    import torch

    from talkie.models.text_encoder import TextEmbedding
    from talkie.models.training.train_joint import flow_loss

    model = TalkieModel.from_size_config(TINY)
    av, codec, B = model.av, model.audio_codec.eval().requires_grad_(False), 2
    Lv, La = av.num_video_tokens, av.num_audio_tokens
    g = torch.Generator().manual_seed(4)
    zv, za = torch.randn(B, Lv, 3, generator=g), torch.randn(B, La, model.joint.cfg.audio_dim, generator=g)
    norm = (torch.zeros(3), torch.ones(3), torch.zeros(za.shape[-1]), torch.ones(za.shape[-1]))
    text = TextEmbedding(torch.zeros(B, 1, 8), torch.ones(B, 1, dtype=torch.bool), torch.zeros(B, 8))

    def loudness(error, keep_a=None):
        keep_a = torch.zeros(B, La, dtype=torch.bool) if keep_a is None else keep_a
        batch = (zv, za, torch.full((B,), 0.5), torch.full((B,), 0.5), torch.zeros(B, Lv, dtype=torch.bool), keep_a,
                 torch.ones(B, dtype=torch.bool), text, text, torch.ones(B, Lv), torch.ones(B, La))
        pred = (za + error).requires_grad_(True)

        def model(*inputs):  # a perfect video and an audio prediction off by `error`
            return zv, pred

        out = flow_loss(model, norm, batch, av, torch.device("cpu"), False, None, codec)
        out.loudness.backward()
        return out.loudness.item(), pred.grad

    assert loudness(torch.zeros_like(za))[0] < 1e-12
    error = torch.zeros_like(za)
    error[:, 20] = 3.0
    loud, grad = loudness(error)
    assert loud > 1e-4 and grad.abs().sum() > 0
    held = torch.zeros(B, La, dtype=torch.bool)
    held[:, 20] = True
    assert loudness(error, held)[0] < 1e-12


def test_event_weights_mark_the_tokens_at_each_paired_event():
    import numpy as np

    from talkie.models.config import AVConfig
    from talkie.models.training.event_weights import event_times, event_token_weights
    from talkie.models.world import render_clip

    av = AVConfig()
    clip = render_clip(3, av, family="ball")
    seen, heard = event_times(clip)
    assert len(seen) == sum(e.paired for e in clip.events) > 0
    times = av.audio_token_times().numpy()
    span = av.audio_token_seconds
    w = event_token_weights(times, span, heard, 4.0)
    for t in heard:  # the token holding each onset is weighted...
        assert w[int(t // span)] == 4.0
    far = np.abs(times[:, None] - heard[None]).min(1) > span
    assert far.any() and (w[far] == 1.0).all()  # ...and tokens far from every event are not
    assert (event_token_weights(times, span, heard, 1.0) == 1.0).all()
    assert (event_token_weights(times, span, np.zeros(0, np.float32), 4.0) == 1.0).all()

    from talkie.models.training.train_joint import event_weight_batch
    wv, wa = event_weight_batch([{"events_seen": seen, "events_heard": heard}, {}], av, 4.0)
    assert wv.shape == (2, av.num_video_tokens) and wa.shape == (2, av.num_audio_tokens)
    assert (wa[0].numpy() == w).all() and (wv[0] == 4.0).any()
    assert (wv[1] == 1.0).all() and (wa[1] == 1.0).all()  # a clip encoded before event times were kept


def test_decoder_only_finetune_keeps_latents_and_swaps_into_a_model(tmp_path):
    """`--decoder-only` trains a codec's decoder alone (its encoder, hence every latent the
    joint model was trained on, stays bit-identical); swap_decoders puts the decoders into a
    Talkie checkpoint and refuses a codec with another encoder."""
    import torch

    from talkie.models.checkpoint import CheckpointError, save_checkpoint
    from talkie.models.training.swap_decoders import swap_decoder
    from talkie.models.training.train_codecs import ENCODER_PARTS

    model = TalkieModel.from_size_config(TINY)
    model_path = tmp_path / "model.safetensors"
    model.save(str(model_path), extra_meta={"step": 3})
    tuned = {}
    for which in ("video", "audio"):
        codec = getattr(model, f"{which}_codec")
        start = tmp_path / f"{which}_start.safetensors"
        save_checkpoint(str(start), codec.state_dict(), {"kind": f"{which}_codec", "config": codec.cfg.to_dict(),
                                                         "step": 7})
        _run(["talkie.models.training.train_codecs", "--which", which, "--decoder-only", "--init-from", str(start),
              "--minutes", "0.05", "--buffer", "4", "--batch", "4", "--out", str(tmp_path / "ft")], tmp_path)
        before, _ = load_checkpoint(str(start))
        after, meta = load_checkpoint(str(tmp_path / "ft" / f"{which}_codec.safetensors"))
        assert meta["step"] > 7
        encoder = [k for k in before if k.startswith(tuple(f"{p}." for p in ENCODER_PARTS[which]))]
        assert encoder and all(torch.equal(before[k], after[k]) for k in encoder), which
        assert any(not torch.equal(before[k], after[k]) for k in before if k not in encoder), which
        tuned[which] = after

    swapped = tmp_path / "swapped.safetensors"
    _run(["talkie.models.training.swap_decoders", "--checkpoint", str(model_path),
          "--video-codec", str(tmp_path / "ft" / "video_codec.safetensors"),
          "--audio-codec", str(tmp_path / "ft" / "audio_codec.safetensors"), "--out", str(swapped)], tmp_path)
    got = TalkieModel.load(str(swapped))
    assert got.checkpoint_meta["step"] == 3 and got.checkpoint_meta["audio_decoder"]["codec_step"] > 7
    for which in ("video", "audio"):
        for k, v in getattr(got, f"{which}_codec").state_dict().items():
            assert torch.equal(v, tuned[which][k].half().float()), (which, k)
    # a transformer trained on from the swapped model keeps its codecs, and says where they came from
    _run(["talkie.models.training.train_joint", "--config", TINY, "--init-from", str(swapped), "--out",
          str(tmp_path / "on"), "--steps", "2", "--threads", "1", "--samples", "none"], tmp_path)
    on = TalkieModel.load(str(tmp_path / "on" / "talkie.safetensors")).checkpoint_meta
    assert (on["video_decoder"], on["audio_decoder"]) == (got.checkpoint_meta["video_decoder"],
                                                          got.checkpoint_meta["audio_decoder"])

    foreign = dict(tuned["video"])
    foreign["to_latent.weight"] = foreign["to_latent.weight"] + 0.5
    with pytest.raises(CheckpointError, match="another video encoder"):
        swap_decoder(TalkieModel.load(str(model_path)), "video", foreign, "foreign.safetensors")


def test_audio_decoder_can_change_its_upsampling_and_swap_into_an_old_model(tmp_path):
    """An old audio codec (stride-2 transposed convolutions, no `upsample` field in its
    config) gets a decoder that interpolates instead: the encoder stays bit-identical, and
    swap_decoders puts the new decoder, and its config, into a model of the old kind."""
    import torch

    from talkie.models.checkpoint import save_checkpoint

    model = TalkieModel.from_size_config(TINY)
    old_cfg = dict(model.audio_codec.cfg.to_dict(), upsample="transpose")
    old = type(model.audio_codec)(type(model.audio_codec.cfg)(**old_cfg))
    model.audio_codec = old
    model_path = tmp_path / "old_model.safetensors"
    model.save(str(model_path))
    saved = {k: v for k, v in old_cfg.items() if k != "upsample"}  # as v1 checkpoints were written
    start = tmp_path / "audio_start.safetensors"
    save_checkpoint(str(start), old.state_dict(), {"kind": "audio_codec", "config": saved, "step": 5})
    assert TalkieModel.load(str(model_path)).audio_codec.cfg.upsample == "transpose"

    res = _run(["talkie.models.training.train_codecs", "--which", "audio", "--decoder-only", "--audio-upsample",
                "interpolate", "--init-from", str(start), "--minutes", "0.05", "--buffer", "4", "--batch", "4", "--comb-weight", "2",
                "--pitch-weight", "1", "--out", str(tmp_path / "ft")], tmp_path)
    assert "transpose -> interpolate" in res.stdout
    new_path = tmp_path / "ft" / "audio_codec.safetensors"
    after, meta = load_checkpoint(str(new_path))
    assert meta["config"]["upsample"] == "interpolate"
    before, _ = load_checkpoint(str(start))
    assert all(torch.equal(before[k], after[k]) for k in before if k.startswith("enc."))

    got = _swap_audio_codec(tmp_path, model_path, new_path)
    assert got.audio_codec.cfg.upsample == "interpolate"
    cfg = got.clip_config(1.0)
    z = torch.randn(1, cfg.num_audio_tokens, got.joint.cfg.audio_dim)
    assert got.decode_audio(z, cfg).shape == (1, 4, cfg.num_samples)


def test_a_decoder_can_turn_to_integrated_phase_and_swap_into_the_model_it_came_from(tmp_path):
    """--audio-phase integrated on a trained codec, decoder only: the encoder (the latents the
    transformer knows) stays bit-identical, the decoder starts exactly where it was (the phase
    advance starts at zero) and swap_decoders takes it, config and all."""
    import torch

    model = TalkieModel.from_size_config(TINY)
    model_path = tmp_path / "model.safetensors"
    model.save(str(model_path))
    res = _run(["talkie.models.training.train_codecs", "--which", "audio", "--decoder-only", "--audio-phase",
                "integrated", "--init-from", str(model_path), "--minutes", "0.03", "--buffer", "4", "--batch", "2",
                "--pitch-weight", "1", "--phase-advance-weight", "1", "--head-magnitude-weight", "1",
                "--band-energy-weight", "1", "--onset-flux-weight", "1", "--latent-noise", "0.05",
                "--stem-weights", "effects=3,music=0", "--out", str(tmp_path / "ft")],
               tmp_path)
    assert "phase direct -> integrated" in res.stdout
    new_path = tmp_path / "ft" / "audio_codec.safetensors"
    after, meta = load_checkpoint(str(new_path))
    assert meta["config"]["phase"] == "integrated" and "advance.weight" in after
    assert meta["stem_weights"] == {"effects": 3.0, "ambience": 1.0, "voice": 1.0, "music": 0.0}
    assert meta["latent_noise"] == 0.05
    before = TalkieModel.load(str(model_path)).audio_codec.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before if k.startswith("enc."))
    got = _swap_audio_codec(tmp_path, model_path, new_path)  # the advance layer comes along
    assert got.audio_codec.cfg.phase == "integrated" and "advance.weight" in got.audio_codec.state_dict()
    res = _run(["talkie.models.training.train_codecs", "--which", "audio", "--init-from", str(model_path),
                "--phase-advance-weight", "1", "--minutes", "0.01", "--out", str(tmp_path / "no")], tmp_path,
               returncode=2)  # a direct decoder has no advance to teach
    assert "integrated phase" in res.stderr
    for flag in ("--head-magnitude-weight", "--band-energy-weight", "--onset-flux-weight"):
        res = _run(["talkie.models.training.train_codecs", "--which", "video", flag, "1",
                    "--minutes", "0.01", "--out", str(tmp_path / "no")], tmp_path, returncode=2)
        assert "audio loss" in res.stderr
    res = _run(["talkie.models.training.train_codecs", "--which", "audio", "--latent-noise", "-0.1",
                "--minutes", "0.01", "--out", str(tmp_path / "no")], tmp_path, returncode=2)
    assert "standard deviation" in res.stderr
    for which, stems, msg in (("video", "effects=3", "audio codec's stems"), ("audio", "drums=1", "STEM=WEIGHT")):
        res = _run(["talkie.models.training.train_codecs", "--which", which, "--stem-weights", stems,
                    "--minutes", "0.01", "--out", str(tmp_path / "no")], tmp_path, returncode=2)
        assert msg in res.stderr


def test_phase_advance_loss_knows_a_held_notes_turn_per_frame():
    import math

    import torch

    from talkie.models.training.losses import phase_advance_loss
    n_fft, hop, sr, f = 256, 64, 16000, 349.23
    x = torch.sin(2 * torch.pi * f * torch.arange(8192) / sr)[None]
    frames = x.shape[-1] // hop
    right = torch.polar(torch.ones(1, n_fft // 2 + 1, frames), torch.full((1, n_fft // 2 + 1, frames),
                                                                          2 * math.pi * f * hop / sr))
    bin_centre = torch.polar(torch.ones_like(right.real), torch.full_like(right.real, 2 * math.pi * 375.0 * hop / sr))
    assert phase_advance_loss(right, x, n_fft, hop) < 0.02  # the ends of the clip turn otherwise
    assert phase_advance_loss(bin_centre, x, n_fft, hop) > 0.1


def test_head_magnitude_loss_wants_the_ring_the_head_left_out():
    import torch

    from talkie.models.training.losses import head_magnitude_loss
    n_fft, hop, sr = 256, 64, 16000
    t = torch.arange(8192) / sr
    x = (torch.sin(2 * torch.pi * 2500.0 * t) * torch.exp(-t / 0.12))[None]  # a glass ball's ring
    own = torch.stft(x, n_fft, hop, window=torch.hann_window(n_fft), center=True, return_complex=True)[..., :-1].abs()
    no_ring = own.clone()
    no_ring[:, 30:50] = 0.0  # 1.9-3.1 kHz asked for nothing
    assert head_magnitude_loss(own, x, n_fft, hop) < 1e-3
    assert head_magnitude_loss(no_ring, x, n_fft, hop) > 0.5


def test_band_energy_loss_wants_a_sparse_texture_at_its_own_loudness():
    """Sparse ringing pings (tin-roof rain) against a smooth noise with their average spectrum,
    what a decoder that cannot place each ping draws: the multi-resolution spectral loss scores
    the smooth noise best several dB too quiet; the power-weighted band error scores it best at
    the pings' own level."""
    import torch

    from talkie.models.training.losses import band_energy_loss, multires_stft_loss
    g = torch.Generator().manual_seed(0)
    n, S, sr = 4, 16000, 16000
    t = torch.arange(200)
    ping = torch.sin(2 * torch.pi * 3000.0 * t / sr) * torch.exp(-t / 30.0)
    x = torch.zeros(n, S)
    for i in range(n):
        for j, a in zip(torch.randint(0, S - 200, (60,), generator=g), torch.rand(60, generator=g)):
            x[i, j:j + 200] += 0.05 * a * ping
    shape = torch.fft.rfft(x).abs().pow(2).mean(0).sqrt()
    noise = torch.fft.rfft(torch.randn(n, S, generator=g))
    smooth = torch.fft.irfft(noise / noise.abs().pow(2).mean().sqrt() * shape, n=S)
    smooth = smooth * (x.pow(2).mean() / smooth.pow(2).mean()).sqrt()  # the pings' power
    gains_db = torch.tensor([0.0, -3.0, -6.0, -9.0])
    band = [float(band_energy_loss(10 ** (g_db / 20) * smooth, x)) for g_db in gains_db]
    spectral = [float(multires_stft_loss(10 ** (g_db / 20) * smooth, x)) for g_db in gains_db]
    assert min(range(4), key=band.__getitem__) == 0
    assert min(range(4), key=spectral.__getitem__) >= 1  # the bias the band term corrects


def test_onset_flux_is_the_detectors_and_its_loss_hears_a_wobbling_ring_more_than_a_quiet_one():
    """`onset_flux` equals the onset detector's own flux (same windows, pre-emphasis, floor);
    a ring that rises again by a few dB every 32 ms (a decoder working token by token) is
    worse for the loss than the same ring 6 dB too quiet, which the detector hears as no new
    hit."""
    import numpy as np
    import torch

    from talkie.models.metrics import detect_onsets
    from talkie.models.metrics.onsets import _log_energy_flux
    from talkie.models.training.losses import onset_flux, onset_flux_loss
    sr = 16000
    t = torch.arange(sr) / sr
    ring = torch.sin(2 * torch.pi * 1500.0 * t) * torch.exp(-t / 0.3) * (t >= 0.1)
    x = ring[None]
    pre = np.r_[x[0, :1].numpy(), (x[0, 1:] - 0.97 * x[0, :-1]).numpy()].astype(np.float64)
    _, ref = _log_energy_flux(pre, 64, 16, 4, 20, 60.0)
    assert np.allclose(onset_flux(x.double(), sr)[0].numpy(), ref[23:], atol=1e-6)
    wobble = x * (1 + 0.6 * (torch.remainder(t, 0.032) < 0.008))  # +4 dB for 8 ms of every 32
    quiet = 0.5 * x
    assert len(detect_onsets(wobble[0].numpy(), sr, rel_max=0.05, level_db=2.0, min_rise_db=3.0).times) > 5
    assert len(detect_onsets(quiet[0].numpy(), sr, rel_max=0.05, level_db=2.0, min_rise_db=3.0).times) == 1
    assert onset_flux_loss(wobble, x, sr) > 3 * onset_flux_loss(quiet, x, sr)


def test_transformer_from_starts_a_run_on_new_codecs_from_a_trained_transformer(tmp_path):
    """--transformer-from: codecs from --codecs, the transformer from another model, latent
    statistics computed afresh; the source is recorded in the checkpoint."""
    import torch

    from talkie.models.checkpoint import save_checkpoint

    codecs = tmp_path / "codecs"
    fresh = TalkieModel.from_size_config(TINY)
    for which in ("video", "audio"):
        codec = getattr(fresh, f"{which}_codec")
        save_checkpoint(str(codecs / f"{which}_codec.safetensors"), codec.state_dict(),
                        {"kind": f"{which}_codec", "config": codec.cfg.to_dict(), "step": 1})
    source = TalkieModel.from_size_config(TINY)
    source_path = tmp_path / "trained.safetensors"
    source.save(str(source_path), extra_meta={"step": 100000, "trained_hours": 1.5})
    source = TalkieModel.load(str(source_path))
    out = tmp_path / "joint"
    _run(["talkie.models.training.train_joint", "--config", TINY, "--codecs", str(codecs), "--out", str(out),
          "--threads", "1", "--transformer-from", str(source_path), "--hours", "0.003"], tmp_path)
    got = TalkieModel.load(str(out / "talkie.safetensors"))
    assert got.checkpoint_meta["transformer_from"] == {"file": "trained.safetensors", "step": 100000,
                                                        "trained_hours": 1.5}
    assert got.checkpoint_meta["step"] < 100000  # a new run, not a continuation of the source's count

    def distance(a, b):
        return sum((a[k].float() - b[k].float()).pow(2).sum().item() for k in a) ** 0.5

    start, other = source.joint.state_dict(), fresh.joint.state_dict()
    assert distance(got.joint.state_dict(), start) < 0.5 * distance(other, start)
    assert not torch.equal(got.video_mean, torch.zeros_like(got.video_mean))  # statistics of the new latents
    # a continuation (--init-from) still says where the transformer came from
    _run(["talkie.models.training.train_joint", "--config", TINY, "--out", str(tmp_path / "more"), "--threads", "1",
          "--init-from", str(out / "talkie.safetensors"), "--hours", "0.002"], tmp_path)
    assert TalkieModel.load(str(tmp_path / "more" / "talkie.safetensors")).checkpoint_meta["transformer_from"] == \
        got.checkpoint_meta["transformer_from"]


def test_codecs_can_come_from_a_talkie_model(tmp_path):
    """--codecs MODEL: the run trains on that model's codecs, written next to its state, and
    its checkpoint carries them unchanged (here with the codecs run by the trainer, for a
    budget of steps rather than hours)."""
    import torch

    source = TalkieModel.from_size_config(TINY)
    source_path = tmp_path / "model.safetensors"
    source.save(str(source_path))
    source = TalkieModel.load(str(source_path))
    out = tmp_path / "joint"
    _run(["talkie.models.training.train_joint", "--config", TINY, "--codecs", str(source_path), "--out", str(out),
          "--threads", "1", "--transformer-from", str(source_path), "--steps", "3", "--lr", "1e-4",
          "--encode-on-trainer"], tmp_path)
    written, _ = load_checkpoint(str(out / "video_codec.safetensors"))
    got = TalkieModel.load(str(out / "talkie.safetensors"))
    _, state = load_checkpoint(str(out / "train_state.safetensors"))
    assert state["step"] == 3 and state["config"]["train"]["lr"] == 1e-4  # a step budget, exactly; the lr asked for
    for k, v in source.video_codec.state_dict().items():
        assert torch.equal(written[k], v) and torch.equal(got.video_codec.state_dict()[k], v), k
    for k, v in source.audio_codec.state_dict().items():
        assert torch.equal(got.audio_codec.state_dict()[k], v), k


def test_transformer_from_a_model_with_another_video_latent_width_starts_only_its_video_layers_fresh(tmp_path):
    """A retrained video codec with another latent width: the transformer's video input and
    output layers start fresh, every other weight comes from the source model."""
    from talkie.models.checkpoint import save_checkpoint
    from talkie.models.codecs import VideoCodec, VideoCodecConfig

    codecs = tmp_path / "codecs"
    fresh = TalkieModel.from_size_config(TINY)
    wide = VideoCodec(VideoCodecConfig(latent_dim=64))
    for which, codec in (("video", wide), ("audio", fresh.audio_codec)):
        save_checkpoint(str(codecs / f"{which}_codec.safetensors"), codec.state_dict(),
                        {"kind": f"{which}_codec", "config": codec.cfg.to_dict(), "step": 1})
    source_path = tmp_path / "trained.safetensors"
    TalkieModel.from_size_config(TINY).save(str(source_path), extra_meta={"step": 5})
    source = TalkieModel.load(str(source_path)).joint.state_dict()
    out = tmp_path / "joint"
    _run(["talkie.models.training.train_joint", "--config", TINY, "--codecs", str(codecs), "--out", str(out),
          "--threads", "1", "--transformer-from", str(source_path), "--hours", "0.002"], tmp_path)
    got = TalkieModel.load(str(out / "talkie.safetensors"))
    assert got.joint.cfg.video_dim == 64 and got.joint.v_in.weight.shape[1] == 64
    assert got.checkpoint_meta["transformer_from"]["fresh_layers"] == ["v_in", "v_out"]
    # the audio input layer came from the source (a short run moves it a little), not from a fresh draw
    a_in = got.joint.state_dict()["a_in.weight"].float()
    assert (a_in - source["a_in.weight"].float()).norm() < 0.5 * (fresh.joint.a_in.weight - source["a_in.weight"]).norm()


def test_renderers_get_one_thread_pools_and_the_trainer_keeps_its_environment(monkeypatch):
    """A renderer owns one core: its BLAS, OpenMP and tokenizer pools are sized to one thread
    (on a 16-core host they took every core each), while the trainer's environment is untouched."""
    from talkie.models.config import AVConfig
    from talkie.models.training.data import ClipStream

    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    monkeypatch.delenv("TOKENIZERS_PARALLELISM", raising=False)
    stream = ClipStream(AVConfig.from_dict(json.load(open(TINY))["av"]), workers=1, seed=5)
    try:
        # read once it has rendered: until its exec, /proc shows the parent's start-up environment
        assert stream.get(timeout=120)[4]  # it renders: a clip with its family
        with open(f"/proc/{stream.procs[0].pid}/environ") as f:
            child = dict(kv.split("=", 1) for kv in f.read().split("\0") if "=" in kv)
    finally:
        stream.close()
    assert {k: child.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                      "TOKENIZERS_PARALLELISM")} == \
        {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    assert os.environ["OMP_NUM_THREADS"] == "7" and "TOKENIZERS_PARALLELISM" not in os.environ


def test_renderers_caption_with_word_substitutes_or_the_wider_grammar_when_asked():
    import numpy as np

    from talkie.models.config import AVConfig
    from talkie.models.training.data import ClipStream
    from talkie.models.world import caption, render_clip

    cfg = AVConfig.from_dict(json.load(open(TINY))["av"])
    for substitute_p, wide_p in ((1.0, 0.0), (0.0, 1.0)):
        stream = ClipStream(cfg, workers=1, seed=8, substitute_p=substitute_p, wide_p=wide_p)
        try:
            items = [stream.get(timeout=120) for _ in range(3)]
        finally:
            stream.close()
        for item in items:
            seed = item[5]
            scene = render_clip(seed, cfg).scene
            said = caption(scene, np.random.default_rng([seed, 0xC0]), "train", 0.0, substitute_p, wide_p)
            assert item[2] == said and said != caption(scene, np.random.default_rng([seed, 0xC0]), "train")


def test_a_killed_renderer_stops_the_stream_with_a_clear_error_instead_of_a_hang():
    """A renderer killed mid-write leaves half a clip in the queue, and reading it blocks
    forever (a session-21 run hung so); the stream checks its renderers before every read."""
    import signal

    from talkie.models.config import AVConfig
    from talkie.models.training.data import ClipStream, RendererDied

    stream = ClipStream(AVConfig.from_dict(json.load(open(TINY))["av"]), workers=1, seed=6)
    try:
        assert stream.get(timeout=120)[4]  # it renders
        os.kill(stream.procs[0].pid, signal.SIGKILL)
        stream.procs[0].join(timeout=30)
        with pytest.raises(RendererDied, match="exit code -9"):
            stream.drain(4)
        with pytest.raises(RendererDied):
            stream.get(timeout=1)
    finally:
        stream.close()


def test_a_renderer_stops_soon_after_its_trainer_is_killed(tmp_path):
    """A renderer whose queue still has room used to render on (and hold its clips in memory)
    after a SIGKILLed trainer; it checks for its parent before every clip."""
    import time

    owner_code = "\n".join([
        "import json, time",
        "from talkie.models.config import AVConfig",
        "from talkie.models.training.data import ClipStream",
        f"stream = ClipStream(AVConfig.from_dict(json.load(open({TINY!r}))['av']), workers=1, seed=7, maxsize=100000)",
        "stream.get(timeout=120)",
        "print(stream.procs[0].pid, flush=True)",
        "time.sleep(600)"])
    owner = subprocess.Popen([sys.executable, "-c", owner_code], cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    try:
        renderer = int(owner.stdout.readline())
    finally:
        owner.kill()
        owner.wait()

    def running():
        try:
            with open(f"/proc/{renderer}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited
        except FileNotFoundError:
            return False

    deadline = time.time() + 60
    while running() and time.time() < deadline:
        time.sleep(0.2)
    alive = running()
    if alive:
        os.kill(renderer, 9)
    assert not alive, "the orphaned renderer was still rendering a minute after its trainer died"


def test_a_codec_run_whose_renderer_is_killed_saves_its_steps_and_ends_with_the_error(tmp_path):
    import signal
    import time

    out = tmp_path / "run"
    trainer = subprocess.Popen(
        [sys.executable, "-m", "talkie.models.training.train_codecs", "--which", "audio", "--minutes", "4",
         "--buffer", "4", "--batch", "2", "--workers", "1", "--threads", "1", "--out", str(out)],
        cwd=tmp_path, env=dict(os.environ, OMP_NUM_THREADS="1"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 180
        while not (out / "audio_log.jsonl").exists() or not (out / "audio_log.jsonl").read_text():
            assert trainer.poll() is None and time.time() < deadline, "the run never logged its 50th step"
            time.sleep(0.5)
        with open(f"/proc/{trainer.pid}/task/{trainer.pid}/children") as f:
            children = f.read().split()
        renderers = [pid for pid in children if "spawn_main" in open(f"/proc/{pid}/cmdline").read()]
        assert len(renderers) == 1, children
        os.kill(int(renderers[0]), signal.SIGKILL)
        _, err = trainer.communicate(timeout=60)  # well before its 4 minutes are up
    finally:
        trainer.kill()
    assert trainer.returncode == 1 and "ended with exit code -9" in err, err[-2000:]
    _, meta = load_checkpoint(str(out / "audio_codec.safetensors"))
    assert meta["step"] >= 50  # the steps before the kill are kept


def test_latents_are_the_same_encoded_by_the_renderer_or_by_the_trainer_in_a_batch(tmp_path):
    """--encode-on-trainer moves the codecs, not what they compute: a batch encoded by
    CodecLatents.fill equals each clip encoded alone in a renderer."""
    import numpy as np

    from talkie.models.training.latent_source import CodecLatents, LatentEncoder
    from talkie.models.training.train_joint import write_codecs
    from talkie.models.world import render_clip

    model = TalkieModel.from_size_config(TINY)
    paths = write_codecs(model, str(tmp_path))
    in_renderer, raw = LatentEncoder(*paths)(), LatentEncoder(*paths, codecs_in_worker=False)()
    seeds = (1_000_001, 1_000_002, 1_000_003)
    clips = [render_clip(seed, model.av) for seed in seeds]
    want = [in_renderer(clip, seed) for clip, seed in zip(clips, seeds)]
    sent = [raw(clip, seed) for clip, seed in zip(clips, seeds)]
    assert "zv" not in sent[0] and sent[0]["frames"].dtype == np.uint8
    got = CodecLatents(*paths).fill(sent)
    for w, g in zip(want, got):
        assert set(g) == set(w)  # the pixels and stems are gone once encoded
        np.testing.assert_allclose(g["zv"], w["zv"], rtol=0, atol=1e-5)
        np.testing.assert_allclose(g["za"], w["za"], rtol=0, atol=1e-5)
        assert np.array_equal(g["cap"][0], w["cap"][0]) and g["events_heard"].tolist() == w["events_heard"].tolist()
    assert not np.allclose(got[0]["zv"], got[1]["zv"])  # different clips, different latents
    # and both are the codecs' own reading of a clip: its stems' latents side by side per token
    import torch

    from talkie.models.config import STEMS

    model.eval()
    with torch.no_grad():
        zv = model.video_codec.encode(torch.from_numpy(clips[0].frames).float()[None] / 255.0)[0]
        wave = torch.from_numpy(np.stack([clips[0].stems[s] for s in STEMS]))
        spt = model.audio_codec.cfg.hop * model.audio_codec.cfg.hops_per_token
        wave = torch.nn.functional.pad(wave, (0, -(-wave.shape[-1] // spt) * spt - wave.shape[-1]))
        za = model.audio_codec.encode(wave).permute(1, 0, 2).flatten(1)
    np.testing.assert_allclose(got[0]["zv"], zv.numpy(), rtol=0, atol=1e-5)
    np.testing.assert_allclose(got[0]["za"], za.numpy(), rtol=0, atol=1e-5)


def test_joint_training_runs_under_torchrun_on_two_processes(tmp_path):
    """The DDP path a GPU user takes (here two CPU ranks over gloo): each rank renders its own
    clips and encodes them on its device, gradients are averaged, rank 0 saves."""
    source = tmp_path / "model.safetensors"
    TalkieModel.from_size_config(TINY).save(str(source))
    out = tmp_path / "ddp"
    _run(["torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "talkie.models.training.train_joint",
          "--config", TINY, "--codecs", str(source), "--transformer-from", str(source), "--out", str(out),
          "--steps", "3", "--threads", "1", "--encode-on-trainer", "--samples", "none"], tmp_path)
    _, state = load_checkpoint(str(out / "train_state.safetensors"))
    assert state["step"] == 3 and not (out / "samples.jsonl").exists()
    assert TalkieModel.load(str(out / "talkie.safetensors")).checkpoint_meta["step"] == 3


def test_a_video_decoder_can_take_temporal_layers_and_swap_into_the_model_it_came_from(tmp_path):
    """--temporal-mixing on a trained model's video codec, decoder only: the layers are added
    at zero, the encoder stays bit-identical, a resumed run keeps them, and swap_decoders puts
    the decoder, config and all, into the model, which then decodes through them."""
    import torch

    model = TalkieModel.from_size_config(TINY)
    model_path = tmp_path / "model.safetensors"
    model.save(str(model_path))
    args = ["talkie.models.training.train_codecs", "--which", "video", "--decoder-only", "--temporal-mixing",
            "--latents-per-item", "3", "--minutes", "0.03", "--buffer", "4", "--batch", "2",
            "--out", str(tmp_path / "ft")]
    res = _run(args + ["--init-from", str(model_path)], tmp_path)
    assert "10 temporal decoder tensors added at zero" in res.stdout
    new_path = tmp_path / "ft" / "video_codec.safetensors"
    after, meta = load_checkpoint(str(new_path))
    assert meta["config"]["temporal_mixing"] is True and "temporal.0.conv.weight" in after
    assert any(after[k].abs().max() > 0 for k in after if k.startswith("temporal."))  # they trained
    before = TalkieModel.load(str(model_path)).video_codec.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before if k.startswith(("enc.", "to_latent.")))
    res = _run(args + ["--resume"], tmp_path)  # the checkpoint has them: none added again
    assert "added at zero" not in res.stdout
    assert load_checkpoint(str(new_path))[1]["step"] > meta["step"]

    swapped = tmp_path / "swapped.safetensors"
    _run(["talkie.models.training.swap_decoders", "--checkpoint", str(model_path), "--video-codec", str(new_path),
          "--out", str(swapped)], tmp_path)
    got = TalkieModel.load(str(swapped))
    assert got.video_codec.cfg.temporal_mixing and got.video_codec.temporal_reach == 5
    theirs, _ = load_checkpoint(str(new_path))
    for k, v in got.video_codec.state_dict().items():
        assert torch.equal(v, theirs[k].half().float()), k
    cfg = got.clip_config(1.0)
    assert got.decode_video(torch.randn(1, cfg.num_video_tokens, got.joint.cfg.video_dim), cfg).shape[1] == 24

    for which, per_item, message in (("video", "2", "--latents-per-item 3 or more"),
                                     ("audio", "3", "video latents per batch item")):
        res = _run(["talkie.models.training.train_codecs", "--which", which, "--temporal-mixing", "--latents-per-item",
                    per_item, "--minutes", "0.01", "--out", str(tmp_path / "no")], tmp_path, returncode=2)
        assert message in res.stderr, which


def test_an_audio_codec_grows_pitch_channels_decoder_only_and_keeps_them(tmp_path):
    """--pitch-channels on a trained integrated-phase codec: the encoder stays bit-identical,
    the latent gains the tracked pitch, a resumed run keeps it, and a video codec or a
    direct-phase decoder is refused it. The grown codec is a new latent (10 numbers a stem),
    so swap_decoders refuses it for the model whose transformer knows 8."""
    import torch

    model = TalkieModel.from_size_config(TINY)
    model.audio_codec = type(model.audio_codec)(type(model.audio_codec.cfg)(
        **{**model.audio_codec.cfg.to_dict(), "phase": "integrated"}))
    model_path = tmp_path / "model.safetensors"
    model.save(str(model_path))
    base = ["talkie.models.training.train_codecs", "--which", "audio", "--decoder-only", "--minutes", "0.03",
            "--buffer", "4", "--batch", "2", "--phase-advance-weight", "1", "--out", str(tmp_path / "ft")]
    res = _run(base + ["--pitch-channels", "--init-from", str(model_path), "--stem-weights", "voice=3"], tmp_path)
    assert "pitch channels added" in res.stdout
    path = tmp_path / "ft" / "audio_codec.safetensors"
    after, meta = load_checkpoint(str(path))
    assert meta["config"]["pitch_channels"] == 2 and after["dec.0.weight"].shape[1] == 10
    assert "harmonic_gate.weight" in after
    before = model.audio_codec.state_dict()
    assert all(torch.equal(before[k].half().float(), after[k].half().float()) for k in before if k.startswith("enc."))
    _run(base + ["--resume"], tmp_path)
    assert load_checkpoint(str(path))[1]["config"]["pitch_channels"] == 2
    res = _run(["talkie.models.training.train_codecs", "--which", "video", "--pitch-channels", "--minutes", "0.01",
                "--out", str(tmp_path / "v")], tmp_path, returncode=2)
    assert "--pitch-channels gives the audio latent" in res.stderr
    res = _run(base + ["--pitch-channels", "--audio-phase", "direct", "--init-from", str(model_path)], tmp_path,
               returncode=2)
    assert "integrated phase" in res.stderr
    res = _run(["talkie.models.training.swap_decoders", "--checkpoint", str(model_path), "--audio-codec", str(path),
                "--out", str(tmp_path / "swapped.safetensors")], tmp_path, returncode=1)
    assert "pitch_channels differ" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "swapped.safetensors").exists()
