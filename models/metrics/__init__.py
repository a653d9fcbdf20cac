"""Weight-free A/V sync metrics: audio onsets, visual events, pairing, lip-sync lag, report.

Sign convention everywhere: offset = t_audio - t_video; positive = audio late.
"""
from .lipsync import LipSyncResult, lipsync_lag
from .onsets import Onsets, detect_onsets, envelope
from .pairing import Pair, PairingScores, at_resolution, consensus_offset, pair_events, pairing_scores
from .report import SyncReport, plot_sync_report, sync_report
from .visual_events import (VisualEvents, bounce_times, brightness_events, centroid_track,
                            color_events, contact_times, edge_gap_track, generic_events,
                            motion_events, gap_track, object_weights, pick_peaks)

__all__ = [
    "LipSyncResult", "lipsync_lag", "Onsets", "detect_onsets", "envelope", "Pair",
    "PairingScores", "at_resolution", "consensus_offset", "pair_events", "pairing_scores", "SyncReport",
    "plot_sync_report", "sync_report", "VisualEvents", "bounce_times", "brightness_events", "centroid_track",
    "color_events", "contact_times", "generic_events", "motion_events", "object_weights",
    "pick_peaks", "gap_track", "edge_gap_track",
]
