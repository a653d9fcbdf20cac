"""Write a Talkie model whose transformer holds a run's live (not EMA) weights:
    python docs/results/pitch_channels_s32/live_model.py RUN_DIR OUT.safetensors"""
import sys
from talkie.models.av_model import TalkieModel
from talkie.models.checkpoint import load_checkpoint
run, out = sys.argv[1], sys.argv[2]
m = TalkieModel.load(f"{run}/talkie.safetensors")
t, meta = load_checkpoint(f"{run}/train_state.safetensors")
m.joint.load_state_dict({k[6:]: v for k, v in t.items() if k.startswith("model.")})
keep = {k: v for k, v in m.checkpoint_meta.items() if k not in m.meta()}
m.save(out, extra_meta=keep)
print("live step", meta["step"])
