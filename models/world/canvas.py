"""Anti-aliased drawing on a whole clip at once: every primitive takes per-frame
parameters (arrays of length T) and paints all frames in one vectorised pass.

Soft edges carry sub-pixel positions into the pixels, which is what lets a tracker (and
the model) recover contact times between frames."""
from __future__ import annotations

import numpy as np


class Canvas:
    def __init__(self, num_frames: int, height: int, width: int, background):
        self.T, self.H, self.W = num_frames, height, width
        self.rgb = np.empty((num_frames, height, width, 3), np.float32)
        self.rgb[:] = np.asarray(background, np.float32)
        self.yy, self.xx = np.mgrid[0:height, 0:width].astype(np.float32)

    def paint(self, alpha: np.ndarray, color) -> None:
        """Blend `color` ([3] or [T,3], 0..255) with coverage `alpha` ([T,H,W] or [H,W])."""
        a = alpha[..., None] if alpha.ndim >= 2 else alpha
        c = np.asarray(color, np.float32)
        if c.ndim == 2:
            c = c[:, None, None, :]
        self.rgb *= 1 - a
        self.rgb += a * c

    def disc(self, cx, cy, r) -> np.ndarray:
        cx, cy, r = (np.broadcast_to(np.asarray(v, np.float32), (self.T,)) for v in (cx, cy, r))
        d = np.sqrt((self.xx[None] - cx[:, None, None]) ** 2 + (self.yy[None] - cy[:, None, None]) ** 2)
        return np.clip(r[:, None, None] + 0.5 - d, 0, 1)

    def ellipse(self, cx, cy, rx, ry) -> np.ndarray:
        cx, cy, rx, ry = (np.broadcast_to(np.asarray(v, np.float32), (self.T,)) for v in (cx, cy, rx, ry))
        rx = np.maximum(rx, 0.3)[:, None, None]
        ry = np.maximum(ry, 0.3)[:, None, None]
        nx = (self.xx[None] - cx[:, None, None]) / rx
        ny = (self.yy[None] - cy[:, None, None]) / ry
        rho = np.sqrt(nx ** 2 + ny ** 2)
        # distance to the boundary in pixels, approximated along the radius
        edge = (1 - rho) * np.minimum(rx, ry)
        return np.clip(edge + 0.5, 0, 1)

    def rect(self, x0, y0, x1, y1) -> np.ndarray:
        x0, y0, x1, y1 = (np.broadcast_to(np.asarray(v, np.float32), (self.T,))[:, None, None] for v in (x0, y0, x1, y1))
        ax = np.clip(np.minimum(self.xx[None] + 0.5 - x0, x1 - (self.xx[None] - 0.5)), 0, 1)
        ay = np.clip(np.minimum(self.yy[None] + 0.5 - y0, y1 - (self.yy[None] - 0.5)), 0, 1)
        return ax * ay

    def segment(self, x0, y0, x1, y1, width) -> np.ndarray:
        """A thick line segment (capsule) from (x0,y0) to (x1,y1)."""
        x0, y0, x1, y1 = (np.broadcast_to(np.asarray(v, np.float32), (self.T,))[:, None, None] for v in (x0, y0, x1, y1))
        px, py = self.xx[None] - x0, self.yy[None] - y0
        dx, dy = x1 - x0, y1 - y0
        h = np.clip((px * dx + py * dy) / (dx * dx + dy * dy + 1e-6), 0, 1)
        d = np.sqrt((px - h * dx) ** 2 + (py - h * dy) ** 2)
        return np.clip(width / 2 + 0.5 - d, 0, 1)

    def to_uint8(self) -> np.ndarray:
        return np.clip(self.rgb + 0.5, 0, 255).astype(np.uint8)
