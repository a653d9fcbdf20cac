"""The training scripts run end to end on tiny random instances (a few seconds each) and
leave loadable, resumable checkpoints. This is a smoke test of the recipe, not training."""
import json
import os
import subprocess
import sys

from talkie.models.av_model import TalkieModel
from talkie.models.checkpoint import load_checkpoint

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = os.path.join(REPO, "models", "configs", "talkie-tiny.json")


def _run(args, cwd):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    res = subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    return res


def test_codec_training_writes_a_checkpoint(tmp_path):
    _run(["talkie.models.training.train_codecs", "--which", "video", "--minutes", "0.05", "--buffer", "4",
          "--batch", "4", "--out", str(tmp_path)], tmp_path)
    tensors, meta = load_checkpoint(str(tmp_path / "video_codec.safetensors"))
    assert meta["kind"] == "video_codec" and meta["step"] >= 1 and tensors
    assert (tmp_path / "video_log.jsonl").exists() or meta["step"] < 50


def test_joint_training_runs_and_resumes(tmp_path):
    start = tmp_path / "tiny.safetensors"
    TalkieModel.from_size_config(TINY).save(str(start))
    out = tmp_path / "joint"
    common = ["talkie.models.training.train_joint", "--config", TINY, "--out", str(out), "--threads", "1"]
    _run(common + ["--init-from", str(start), "--hours", "0.003"], tmp_path)
    model = TalkieModel.load(str(out / "talkie.safetensors"))
    first = model.checkpoint_meta["step"]
    assert first >= 1 and json.loads(json.dumps(model.checkpoint_meta))["recipe"].startswith("python -m")
    _run(common + ["--resume", "--hours", "0.002"], tmp_path)
    _, meta = load_checkpoint(str(out / "train_state.safetensors"))
    assert meta["step"] > first
