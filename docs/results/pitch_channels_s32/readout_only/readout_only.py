"""Usage: python docs/results/pitch_channels_s32/readout_only/readout_only.py TRAIN_JOINT_ARGS...
train_joint with every weight frozen but the audio output layer's new (pitch) rows: can a
readout of the unchanged transformer write the pitch? (old channels' outputs stay bit for bit)"""
import sys, torch
from talkie.models.training import train_joint
from talkie.models.training.add_pitch_channels import channel_map
old_rows = channel_map(8, 10)
_AdamW = torch.optim.AdamW
def only_readout(params, **kw):
    params = list(params)
    i = [k for k, p in enumerate(params) if p.shape == (40, 160)]
    assert len(i) == 1
    a_out = params[i[0]:i[0] + 2]  # a_out.weight, a_out.bias (registration order)
    assert a_out[1].shape == (40,)
    for p in params:
        p.requires_grad_(any(p is q for q in a_out))
    for p in a_out:
        p.register_hook(lambda g: g.index_fill(0, old_rows, 0.0))
    kw["weight_decay"] = 0.0
    return _AdamW(a_out, **kw)
if __name__ == "__main__":
    train_joint.torch.optim.AdamW = only_readout
    train_joint.main(sys.argv[1:])
