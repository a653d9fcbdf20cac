"""`python -m talkie.models.world.look`: a contact sheet and one MP4 with sound per family."""
import numpy as np
from PIL import Image

from talkie.models.media import read_av_mp4
from talkie.models.world import FAMILIES
from talkie.models.world.look import SHEET_NAME, UPSCALE, main


def test_look_writes_sheet_and_videos(tmp_path):
    main(["--out", str(tmp_path), "--seed", "3", "--seconds", "1", "--frames", "4"])
    sheet = Image.open(tmp_path / SHEET_NAME)
    assert sheet.mode == "RGB" and sheet.width >= 4 * 64 * 2 and sheet.height >= len(FAMILIES) * 64 * 2
    assert np.asarray(sheet).std() > 10  # frames and text, not a blank page
    for fam in FAMILIES:
        r = read_av_mp4(tmp_path / f"{fam}.mp4")
        assert r["frames"].shape == (24, 64 * UPSCALE, 64 * UPSCALE, 3)
        assert r["audio"] is not None and np.abs(r["audio"]).max() > 1e-3, fam
