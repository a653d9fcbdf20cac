"""Codec reconstruction losses beyond plain pixel error.

Audio: spectra at several resolutions, a 1 ms energy envelope term that punishes pre-echo
(the thing that moves onsets early), a comb term against a component locked to the
decoder's hop grid, long-window spectra for the pitch of held notes, and each band's dB
error weighted by its share of the power, so loud resonant textures (rain on tin) keep their
loudness, and the onset detector's flux, so a decaying ring does not rise again where
nothing hit. Video: a chroma term on foreground pixels (and, weighted down, the rest), so
objects keep their colour, a thin-line statistics term, so fine texture (rain streaks) is
drawn rather than blurred, and an object-mask term, so the decoder draws no solid thing where
the picture has none (a splash row merged into a line) and keeps the ones it has, an
object-colour term, so the colour the detectors read off that mask is the world's, and a
colour-key term, so the parts trackers follow by colour (a drumstick's tip) stay where and
what colour they are, and brightness and motion-energy terms, so the frames' mean luma and
frame-to-frame change are the world's and do not jump from one latent to the next."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..evaluation.detectors import STREAK_CONTRAST
from ..evaluation.image import SKY_ROWS
from ..metrics.visual_events import KEY_TOLERANCE, LUMA
from ..metrics.onsets import FLOOR_DB, PREEMPHASIS, flux_windows

_WINDOWS: dict = {}


def _window(n, device):
    key = (n, device)
    if key not in _WINDOWS:
        _WINDOWS[key] = torch.hann_window(n, device=device)
    return _WINDOWS[key]


def multires_stft_loss(y: torch.Tensor, x: torch.Tensor, sizes=(128, 256, 512, 1024)) -> torch.Tensor:
    total = 0.0
    for n in sizes:
        w = _window(n, y.device)
        sy = torch.stft(y, n, n // 4, window=w, return_complex=True).abs()
        sx = torch.stft(x, n, n // 4, window=w, return_complex=True).abs()
        total = total + (torch.log(sy + 1e-4) - torch.log(sx + 1e-4)).abs().mean()
        total = total + torch.linalg.norm(sy - sx) / (torch.linalg.norm(sx) + 1e-4)
    return total / len(sizes)


def pitch_loss(y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Spectral loss at 2048/4096-sample windows (7.8/3.9 Hz bins at 16 kHz).

    The codec's own STFT has 62.5 Hz bins and the shorter windows above barely tell 262 Hz
    from 250 Hz: a decoder trained on them snapped notes to bin centres (C4 came back at
    267 Hz, F4 at 313 Hz), so a lit key was heard as the wrong note. Long windows resolve the
    pitch of a held tone; onsets stay the business of the short windows and the envelope."""
    return multires_stft_loss(y, x, sizes=(2048, 4096))


def log_envelope(x: torch.Tensor, sr: int, win_s: float = 0.002, hop_s: float = 0.001) -> torch.Tensor:
    win, hop = max(1, int(win_s * sr)), max(1, int(hop_s * sr))
    e = F.avg_pool1d(x.unsqueeze(1) ** 2, win, hop).squeeze(1)
    return torch.log(e + 1e-7)


def envelope_loss(y: torch.Tensor, x: torch.Tensor, sr: int) -> torch.Tensor:
    return 0.1 * (log_envelope(y, sr) - log_envelope(x, sr)).abs().mean()


def onset_flux(x: torch.Tensor, sr: int) -> torch.Tensor:
    """The onset detector's flux (`metrics.onsets`, step 2, with its windows and floor) of
    x [N, S], differentiable: per 1 ms hop, how many dB the pre-emphasised 4 ms log energy
    rises above the loudest window that ended before this one began, over the last 20 ms.
    [N, windows - lag - look + 1]."""
    x = torch.cat([x[:, :1], x[:, 1:] - PREEMPHASIS * x[:, :-1]], 1)
    win, hop, lag, look = flux_windows(sr)
    p = F.avg_pool1d(x.unsqueeze(1) ** 2, win, hop).squeeze(1)
    floor = p.amax(1, keepdim=True).detach() * 10.0 ** (-FLOOR_DB / 10.0) + 1e-12
    e = 10.0 * torch.log10(p + floor)
    recent = F.max_pool1d(e.unsqueeze(1), look, 1).squeeze(1)  # recent[k] = max e[k .. k+look-1]
    return F.relu(e[:, lag + look - 1:] - recent[:, :e.shape[1] - lag - look + 1])


def onset_flux_loss(y: torch.Tensor, x: torch.Tensor, sr: int) -> torch.Tensor:
    """Mean |flux(y) - flux(x)| in tens of dB per hop (`onset_flux`).

    A decaying ring never climbs above its own recent maximum, so its flux is zero; a decoder
    whose ring wobbles by a few dB from one 32 ms token to the next gives it flux, and the
    detector, which asks only 3 dB of a metal ball's quieter bounces, hears a bounce there:
    through the session-25 decoder 60 rendered ball scenes had 19 onsets no contact explains
    (the rendered sound 5). The spectral losses see a few dB of level error in a quiet tail;
    this term sees the rise, the thing a listener and the detector hear as a new hit."""
    return 0.1 * (onset_flux(y, sr) - onset_flux(x, sr)).abs().mean()


def hop_comb_loss(y: torch.Tensor, x: torch.Tensor, period: int, periods_per_window: int = 8) -> torch.Tensor:
    """Error of the part of the signal that repeats every `period` samples, relative to the
    target's energy.

    A decoder that works hop by hop can learn a pattern that alternates between hops: a comb
    at sr / period and its harmonics (125 Hz at 16 kHz with 64-sample hops, two hops a
    period). Log spectra barely see it next to a loud sound, yet it is the strongest peak in
    a short window after an impact, where pitch and material are read. Averaging each window
    of `periods_per_window` periods keeps exactly that comb (natural sound is not locked to
    the hop grid), so matching the averages removes the comb the target lacks. Scaled so that
    an added, exactly locked component of 5 % of the target's norm costs 0.05."""
    n = y.shape[-1] // (period * periods_per_window) * period * periods_per_window

    def locked(s):
        return s[..., :n].reshape(*s.shape[:-1], -1, periods_per_window, period).mean(-2)
    # a window's average keeps 1/periods_per_window of the samples: sqrt restores the norm
    err = torch.linalg.norm(locked(y) - locked(x)) * periods_per_window ** 0.5
    return err / (torch.linalg.norm(x[..., :n]) + 1e-4)


def colour_loss(y: torch.Tensor, x: torch.Tensor, w: torch.Tensor, background: float = 0.0) -> torch.Tensor:
    """Squared chroma error on foreground pixels (`w` > 1 there, see `video_batch`), and on
    the rest with relative weight `background`.

    A ball is a few dozen of 4096 pixels: plain MSE lets the codec paint every small object in
    one average hue (red and yellow came back orange). Chroma is each pixel minus its grey
    level, so this term sees hue and saturation only. With the foreground alone the static
    scene may drift in hue instead (a dark grey floor came back navy, white keys bluish):
    `background` > 0 holds it too."""
    fg = (w > 1).float()
    weight = fg + background * (1.0 - fg)
    err = (y - y.mean(-1, keepdim=True)) - (x - x.mean(-1, keepdim=True))
    return (weight * err ** 2).sum() / weight.sum().clamp_min(1.0)


def sky_distance(img: torch.Tensor, sky_rows: float = SKY_ROWS) -> torch.Tensor:
    """max over channels of |pixel - sky| [..., H, W] for frames [..., H, W, 3], the sky being
    each frame's median colour over its top `sky_rows` of rows: what the evaluation's object
    trackers threshold (`evaluation.image.foreground_distance`). The sky is taken without
    gradient, so only the pixels are asked to move. torch's median is the lower of the two
    middle values where numpy's averages them, so the two agree exactly only where those
    values are equal (a plain sky); in rain they may differ by a fraction of a grey level."""
    k = max(1, int(round(sky_rows * img.shape[-3])))
    sky = img[..., :k, :, :].flatten(-3, -2).median(dim=-2).values.detach()
    return (img - sky[..., None, None, :]).abs().amax(-1)


def object_mask_loss(y: torch.Tensor, x: torch.Tensor, threshold: float, floor_row: int,
                     margin: float = 0.05) -> torch.Tensor:
    """Hinge on the trackers' object mask (sky distance > `threshold`, rows above `floor_row`)
    for frames y, x [..., H, W, 3]: where the target is clearly sky (below threshold - margin)
    the output is asked to stay under that too, and where the target is clearly object (above
    threshold + margin) to stay over it; anti-aliased rims in between are left to the pixel
    loss. Mean over the pixels above the floor.

    A pixel loss pays the same for a haze and for a line that crosses the threshold: the
    decoder drew rain splashes, 3-px blips along the floor's edge, as one faint line, which the
    mask turned into a 14-px "object" beside the ball in most rainy frames, pulling the
    tracked centroid to the floor and adding or losing bounces. This term costs exactly what
    makes a phantom object or a hole in a real one."""
    d_y, d_x = sky_distance(y)[..., :floor_row, :], sky_distance(x)[..., :floor_row, :]
    phantom = F.relu(d_y - (threshold - margin)) * (d_x < threshold - margin)
    missing = F.relu(threshold + margin - d_y) * (d_x > threshold + margin)
    return (phantom + missing).mean()


def weighted_centroid(w: torch.Tensor, floor: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(row, column, mass) of weights w [..., H, W], the mass clamped to `floor` as divisor
    (a frame without weight gets a centroid of 0, which callers leave out by its mass)."""
    h, wd = w.shape[-2:]
    rows = torch.arange(h, dtype=w.dtype, device=w.device)[:, None]
    cols = torch.arange(wd, dtype=w.dtype, device=w.device)[None, :]
    mass = w.sum((-2, -1))
    safe = mass.clamp_min(floor)
    return (w * rows).sum((-2, -1)) / safe, (w * cols).sum((-2, -1)) / safe, mass


def luma(img: torch.Tensor) -> torch.Tensor:
    """Per-pixel luma [..., H, W] of frames [..., H, W, 3] (BT.601: the trackers' `luminance`)."""
    return img @ torch.tensor(LUMA, dtype=img.dtype, device=img.device)


def eroded(mask: torch.Tensor) -> torch.Tensor:
    """A mask [..., H, W] (0..1) eroded by one pixel (the minimum over each 3x3 neighbourhood):
    1-px rain streaks and splashes drop out, solid objects keep their core."""
    h, w = mask.shape[-2:]
    flat = mask.reshape(-1, 1, h, w)
    return (1.0 - F.max_pool2d(1.0 - flat, 3, stride=1, padding=1)).reshape(mask.shape)


def object_centroid_loss(y: torch.Tensor, x: torch.Tensor, threshold: float, floor_row: int,
                         grow: int = 3, min_mass: float = 2.0) -> torch.Tensor:
    """Mean distance in pixels between the output's and the target's sky-distance-weighted
    centroid (row and column) for frames y, x [..., H, W, 3], taken inside a window around
    the target's solid objects above `floor_row`: its object mask (sky distance over
    `threshold`) eroded by one pixel, which drops 1-px rain streaks and splashes, then grown
    by `grow`. Frames whose target has less than `min_mass` in the window are left out.

    The ball trackers read contacts from a centroid track. A huge ball's last bounces move
    its centroid under a pixel, and a few tenths of a pixel of decoding error flatten them
    (held-out seed 47: 0.7 px bounces, decoded 0.1-0.3 px off); a pixel loss weighs that
    error by the few rim pixels that carry it."""
    d_y, d_x = sky_distance(y)[..., :floor_row, :], sky_distance(x)[..., :floor_row, :]
    h, w = d_x.shape[-2:]
    core = eroded((d_x > threshold).float()).reshape(-1, 1, h, w)
    window = F.max_pool2d(core, 2 * grow + 1, stride=1, padding=grow).reshape(d_x.shape)
    ry, cy, _ = weighted_centroid(d_y * window, 1e-6)
    rx, cx, mass = weighted_centroid(d_x * window, 1e-6)
    valid = (mass > min_mass).float()
    return (valid * ((ry - rx).abs() + (cy - cx).abs())).sum() / valid.sum().clamp_min(1.0)


def object_colour_loss(y: torch.Tensor, x: torch.Tensor, threshold: float, floor_row: int, solid: bool = False,
                       softness: float = 0.02, min_pixels: float = 4.0) -> torch.Tensor:
    """Mean absolute error (0..1, summed over RGB) of the colour the detectors read off the
    object mask, per item of frames y, x [B, ..., H, W, 3]: the mean colour of the pixels
    above `floor_row` whose sky distance is over `threshold`, all of an item's frames together;
    with `solid`, of the mask's core (`eroded`), where a ball's colour is read and rain streaks
    are not. The output's mask is soft (a sigmoid of width `softness`), so a dim halo drawn
    around an object costs until it is either bright enough to be the object's or faint enough
    to be sky. Items whose target has fewer than `min_pixels` mask pixels are left out.

    The glass tint detector takes the median colour of every object pixel of the clip, and
    most of them are the shards that rest on the floor after the shatter, sub-pixel dots in
    the world. The decoder drew them as dim grey smudges ((89, 98, 105) where the world has
    (153, 171, 181)), so every glass read green through the codec alone (5 of 20 right),
    though the latent tells the tints apart. Asked of glass alone, the term drew purple balls
    bluer (a fifth of their blobs voted blue on three held-out seeds), hence the balls' cores
    as well."""
    d_y = sky_distance(y)[..., :floor_row, :]
    d_x = sky_distance(x)[..., :floor_row, :]
    m_y = torch.sigmoid((d_y - threshold) / softness)
    m_x = (d_x > threshold).to(x.dtype)
    if solid:
        m_y, m_x = eroded(m_y), eroded(m_x)
    m_y, m_x = m_y.flatten(1)[..., None], m_x.flatten(1)[..., None]
    p_y, p_x = y[..., :floor_row, :, :].flatten(1, -2), x[..., :floor_row, :, :].flatten(1, -2)
    mass_x = m_x.sum(1)
    c_y = (m_y * p_y).sum(1) / m_y.sum(1).clamp_min(1e-3)
    c_x = (m_x * p_x).sum(1) / mass_x.clamp_min(1.0)
    valid = (mass_x[:, 0] >= min_pixels).to(x.dtype)
    return (valid * (c_y - c_x).abs().sum(-1)).sum() / valid.sum().clamp_min(1.0)


def brightness_loss(y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Mean absolute error of each frame's mean luma (BT.601, the trackers' own) for frames
    y, x [..., H, W, 3].

    The decoder renders each latent's frames on their own, so a global brightness error of
    ~1 % (which the pixel loss pays ~1e-4 for) changes from one latent to the next: a flicker
    at every second frame. The glass tracker takes the frame of the largest brightness or
    motion rise, and in 9 of 20 held-out glass scenes it took such a flicker (an even frame,
    a brightness rise the world does not have) for the shatter."""
    return luma(y - x).mean((-2, -1)).abs().mean()


def motion_energy_loss(y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Mean absolute error of the motion energy, each frame's mean |luma change| from the frame
    before (the trackers' `motion_curve` input), for frames y, x [..., T, H, W, 3], T >= 2.

    The glass tracker takes the frame of the largest rise in motion energy for the shatter.
    The decoder drew the falling glass with twice the world's frame-to-frame change, abruptly
    where it enters, and every static frame 0.3 % away from the one before it (the two frames
    of a latent are drawn a little apart): the entry then rose more than the shatter. With
    items of more than one latent (`train_codecs --latents-per-item`), this includes the step
    from one latent to the next."""
    def energy(v):
        return luma(v[..., 1:, :, :, :] - v[..., :-1, :, :, :]).abs().mean((-2, -1))

    return (energy(y) - energy(x)).abs().mean()


def streak_density(img: torch.Tensor, floor_row: int, softness: float = 0.005) -> torch.Tensor:
    """Per frame of img [..., H, W, 3], the share of pixels above `floor_row` that are a thin
    bright vertical streak, as `detectors.rain_streak_density` counts them (grey level more
    than STREAK_CONTRAST over both side neighbours), with the step softened to a sigmoid of
    `softness` so it has a gradient."""
    y = img[..., :floor_row, :, :].mean(-1)
    contrast = y[..., 1:-1] - torch.maximum(y[..., :-2], y[..., 2:])
    return torch.sigmoid((contrast - STREAK_CONTRAST) / softness).mean((-2, -1))


def streak_density_loss(y: torch.Tensor, x: torch.Tensor, floor_row: int, floor: float = 1e-3) -> torch.Tensor:
    """Mean |log| ratio of each frame's streak density (`streak_density`), output against
    target, for frames y, x [..., H, W, 3]: what the rain-intensity detector reads. Its bins
    are ratios apart (light / moderate / heavy at 0.0072 and 0.022), hence the log; `floor`
    (below light rain's ~0.003) keeps rainless frames from weighing in.

    The line statistics (`thin_line_stats_loss`) match each cell's mean and RMS line
    strength, which other mixes of strong and faint lines meet as well; the detector counts
    only pixels over STREAK_CONTRAST. Session 29's decoder drew light rain with ~0.0086
    counted pixels where the world has ~0.0045 (over the light/moderate edge): the rain
    family's intensity read right in 30 % of round trips."""
    def log_density(v):
        return torch.log(streak_density(v, floor_row) + floor)

    return (log_density(y) - log_density(x)).abs().mean()


def colour_key(img: torch.Tensor, colour, tol: float = KEY_TOLERANCE) -> torch.Tensor:
    """The trackers' soft colour key [..., H, W] for frames [..., H, W, 3]: max(0, 1 - |p - c| /
    tol), c in 0..1 (`metrics.visual_events.object_weights` with a colour). A tiny epsilon in
    the norm keeps its gradient finite on pixels of exactly the key's colour."""
    c = torch.as_tensor(colour, dtype=img.dtype, device=img.device)
    dist = ((img - c) ** 2).sum(-1).add(1e-8).sqrt()
    return F.relu(1.0 - dist / tol)


def colour_key_loss(y: torch.Tensor, x: torch.Tensor, colours, tol: float = KEY_TOLERANCE,
                    min_mass: float = 1.0) -> torch.Tensor:
    """For each key colour (0..1 RGB): the error in pixels of the output's key-weighted centroid
    (row and column, over the whole frame) plus the key map's L1 error relative to the
    target's key mass, on frames y, x [..., H, W, 3] whose target holds at least `min_mass` of
    that key. Mean over those frames and colours; 0 where no target has the key. Training
    applies each key to the clips of the family whose tracker follows it only
    (`train_codecs.keyed_parts_loss`).

    Some event trackers follow a part by its fixed colour (the drumstick's tip, the mouth).
    The pixel loss let the decoder wash the 2-px tip towards the stick and the drum head (a
    third of its key mass gone) and tint a white drum's head near the key, so the tracked
    tip sat 3.4 px off on average (20 held-out drums; 11 px on one) and hits were lost or
    added: the video round trip's drum F1 was 0.69 where the world reads 0.97. On every clip,
    the mouth's dark red also keys a red ball's shading: the decoder shed that key mass by
    drawing every red a little orange (session 29, run 1), hence one family per key."""
    total, count = x.new_zeros(()), x.new_zeros(())
    for colour in colours:
        k_y, k_x = colour_key(y, colour, tol), colour_key(x, colour, tol)
        rx, cx, m_x = weighted_centroid(k_x, 1e-3)
        valid = (m_x >= min_mass).float()
        if not valid.any():
            continue
        ry, cy, _ = weighted_centroid(k_y, 1e-3)
        moved = (ry - rx).abs() + (cy - cx).abs()
        washed = (k_y - k_x).abs().sum((-2, -1)) / m_x.clamp_min(min_mass)
        total = total + (valid * (moved + washed)).sum()
        count = count + valid.sum()
    return total / count.clamp_min(1.0)


def thin_lines(img: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Line maps of img [..., H, W, 3]: how far each pixel's grey level stands above both
    neighbours across a 1-px vertical line, where such a line begins (its strength rising
    from the row above), and the same two for horizontal lines."""
    g = img.mean(-1)
    vertical = F.relu(g[..., :, 1:-1] - torch.maximum(g[..., :, :-2], g[..., :, 2:]))
    horizontal = F.relu(g[..., 1:-1, :] - torch.maximum(g[..., :-2, :], g[..., 2:, :]))
    return (vertical, F.relu(vertical[..., 1:, :] - vertical[..., :-1, :]),
            horizontal, F.relu(horizontal[..., :, 1:] - horizontal[..., :, :-1]))


def long_lines(vertical: torch.Tensor, horizontal: torch.Tensor, length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The part of each line map (`thin_lines`' vertical and horizontal strength) that lies
    on a line at least `length` px long: the least strength over every `length`-px run."""
    def erode(m, kernel):
        flat = m.reshape(-1, 1, *m.shape[-2:])
        return -F.max_pool2d(-flat, kernel, stride=1).reshape(*m.shape[:-2], -1, flat.shape[-1] - kernel[1] + 1)
    return erode(vertical, (length, 1)), erode(horizontal, (1, length))


def thin_line_stats_loss(y: torch.Tensor, x: torch.Tensor, cell: int = 32, moving: bool = False,
                         long_px: int = 0) -> torch.Tensor:
    """Per `cell`-px square of every frame (y, x [..., H, W, 3]), the mean and the RMS of each
    line map (`thin_lines`) in the output against the target's: squared error, in grey levels
    squared, summed over the maps and both statistics. With `moving`, also the same statistics
    of how much each map changes from one frame to the next (frames on axis -4: one latent's).
    With `long_px`, also the same statistics of the strength on lines at least that long
    (`long_lines`).

    Texture finer than the latent can place (a drop's 1-px streak, a few dozen per frame)
    comes back from a pixel loss as a uniform haze: placing a streak wrong costs more than
    not drawing it. Matching the statistics of line strength cell by cell instead asks for
    as many lines, as strong, in the same part of the frame, wherever exactly they fall; a
    deterministic decoder draws its own pattern. Mean and RMS together tell a few strong
    lines from many faint ripples; the line-start maps tell 4-px streaks from a few lines
    running the frame's height (which a decoder otherwise draws at fixed columns). Squared
    error and 32-px cells, because a cell holds few streak pixels in light rain: its
    expected value is what a pattern can match, its median is none.

    A decoder can still meet the still statistics with lines that never move: a full-height
    line down the frame's edge column, a bright line along the floor's splash row. They cost
    the tracker dearly (a ball's blob runs into them) and rain never draws them, because
    drops fall: `moving` asks each cell to change between frames as much as the target's.
    That still lets a line flicker in place; `long_px` counts the strength on lines longer
    than the world's streaks, of which rain has none."""
    maps_y, maps_x = thin_lines(y), thin_lines(x)
    if long_px:
        maps_y = maps_y + long_lines(maps_y[0], maps_y[2], long_px)
        maps_x = maps_x + long_lines(maps_x[0], maps_x[2], long_px)
    if moving:
        def change(maps):
            return tuple((m[..., 1:, :, :] - m[..., :-1, :, :]).abs() for m in maps)
        maps_y, maps_x = maps_y + change(maps_y), maps_x + change(maps_x)
    err = y.new_zeros(())
    for a, b in zip(maps_y, maps_x):
        a, b = a.reshape(-1, 1, *a.shape[-2:]), b.reshape(-1, 1, *b.shape[-2:])
        for stat in (lambda t: F.avg_pool2d(t, cell, ceil_mode=True),
                     lambda t: F.avg_pool2d(t ** 2, cell, ceil_mode=True).clamp_min(1e-8).sqrt()):
            err = err + (stat(a) - stat(b)).pow(2).mean()
    return err


def band_energy_loss(y: torch.Tensor, x: torch.Tensor, n_fft: int = 512, bands: int = 32,
                     floor: float = 1e-6) -> torch.Tensor:
    """How many dB each frequency band of the output (y [N, S]) is off the target's (x), over
    the whole crop, weighted by the target's power in that band: natural-log units, per clip,
    averaged.

    The spectral losses above compare every bin and frame on a log scale, each equally. Rain
    on a tin roof puts most of its power in a few resonant bands and a few loud moments, which
    no latent of 32 ms tokens places exactly; log errors weighted equally are then least for
    an output that is right in the many quiet cells and far too quiet in the few loud ones.
    The session-22 decoder gave metal-roof rain back 6-9 dB quieter than the world rendered
    it, and the multi-resolution and pitch losses scored that output best at its own level
    (docs/results/decoder_level_s25/loss_vs_gain.log). Weighting each
    band's dB error by its share of the power asks for the loudness where the sound is.
    `floor` (power per bin) keeps silence from weighing like sound."""
    hop = n_fft // 4
    w = _window(n_fft, y.device)

    def band_power(s):  # [N, bands]: mean power per band over the whole crop
        p = torch.stft(s, n_fft, hop, window=w, return_complex=True).abs().pow(2)[:, 1:].mean(-1)  # drop DC
        return F.avg_pool1d(p.unsqueeze(1), p.shape[1] // bands, ceil_mode=True).squeeze(1)
    py, px = band_power(y), band_power(x)
    share = px / px.sum(1, keepdim=True).clamp_min(floor)
    return (share * (torch.log(py + floor) - torch.log(px + floor)).abs()).sum(1).mean()


def codec_frames(x: torch.Tensor, n_fft: int, hop: int, frames: int) -> torch.Tensor:
    """The first `frames` frames of x's [N, S] STFT in an audio codec's framing (centred,
    Hann), [N, bins, frames] complex: what its decoder's head is compared with."""
    X = torch.stft(x, n_fft, hop, window=_window(n_fft, x.device), center=True, return_complex=True)
    return X[..., :frames]


def phase_advance_loss(step: torch.Tensor, x: torch.Tensor, n_fft: int, hop: int) -> torch.Tensor:
    """How far the decoder's per-frame phase turn (`AudioCodec.head_spectrum`'s second value,
    unit complex [N, bins, F]) is from the turn of the target's own STFT frames (x [N, S], the
    codec's framing): 1 - cos of the angle between them, weighted by the energy of the two
    frames it joins. The instantaneous frequency, taught where a spectral loss cannot find it."""
    X = codec_frames(x, n_fft, hop, step.shape[-1])
    true = X[..., 1:] * X[..., :-1].conj()
    w = true.abs()
    agree = (step[..., 1:] * (true / (w + 1e-12)).conj()).real
    return (w * (1 - agree)).sum() / w.sum().clamp(min=1e-12)


def head_magnitude_loss(asked: torch.Tensor, x: torch.Tensor, n_fft: int, hop: int,
                        floor: float = 1.0) -> torch.Tensor:
    """The magnitude the decoder's head asks for (`AudioCodec.head_spectrum`'s |STFT|,
    [N, bins, F]) against the target's own STFT in the codec's framing (x [N, S]): log
    magnitude L1 plus spectral convergence, as `multires_stft_loss` does on the waveform.

    Losses on the waveform see the head only through the inverse STFT: while the phase the
    head gives a ring is wrong, the overlapping frames partly cancel it, and a decoder that
    asked for the ring scored no better than one that asked for nothing. The shipped decoder
    asked for nothing at any tone above 800 Hz (glass balls came back as wood). This term asks
    for the ring where it is, whatever the phase.

    The spectral convergence is taken per clip, not over the batch: over the batch a second of
    speech or music outweighs a second of a few impacts many times, and the rings were what it
    left out. `floor` (a magnitude norm far below any audible second's) keeps a silent clip
    from dividing by nothing."""
    X = codec_frames(x, n_fft, hop, asked.shape[-1]).abs()
    log_err = (torch.log(asked + 1e-4) - torch.log(X + 1e-4)).abs().mean()
    per_clip = torch.linalg.norm((asked - X).flatten(1), dim=1) / (torch.linalg.norm(X.flatten(1), dim=1) + floor)
    return log_err + per_clip.mean()
