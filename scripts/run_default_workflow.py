"""The main job: start ComfyUI (with Talkie) on 127.0.0.1, run workflows/text_to_av.json
through the server with the shipped model, print the MP4's path and the UI's address.

    python scripts/run_default_workflow.py [--port 8188] [--workflow FILE] [--exit]

The server keeps running (Ctrl-C stops it) so the UI can be opened; `--exit` stops it
after the clip is written."""
from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

from comfy_harness import REPO_ROOT, ComfyServer


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=8188)
    ap.add_argument("--workflow", default=str(REPO_ROOT / "workflows" / "text_to_av.json"))
    ap.add_argument("--root", default=str(REPO_ROOT / ".comfyui" / "run"),
                    help="where the server keeps output/, input/, user/ and its log")
    ap.add_argument("--exit", action="store_true", help="stop the server once the clip is written")
    args = ap.parse_args()
    root = Path(args.root)
    server = ComfyServer(root, port=args.port, log_path=root / "comfyui.log")
    print(f"starting ComfyUI on {server.url} (log: {server.log_path}) ...", flush=True)
    server.start()
    # the example media the other shipped workflows load (image->AV, video->audio, audio->video)
    for f in (REPO_ROOT / "workflows" / "inputs").glob("*"):
        shutil.copy2(f, server.input_dir / f.name)
    try:
        client = server.client()
        wf = json.loads(Path(args.workflow).read_text())
        t0 = time.time()
        history = client.run_workflow(wf, timeout=1800)
        mp4s = [p for p in client.output_files(history) if p.suffix == ".mp4"]
        print(f"generated in {time.time() - t0:.1f} s through the server")
        for p in mp4s:
            print(f"clip: {p}")
        print(f"ComfyUI with Talkie: {server.url}  (open it in a browser; Workflow > Browse Templates > talkie)")
        if not args.exit:
            print("Ctrl-C stops the server.", flush=True)
            while server.alive():
                time.sleep(1.0)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
