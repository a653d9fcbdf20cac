"""Learned codecs: pictures and stems to the compact latents the joint model works on."""
from .audio_codec import AudioCodec, AudioCodecConfig
from .video_codec import VideoCodec, VideoCodecConfig

__all__ = ["AudioCodec", "AudioCodecConfig", "VideoCodec", "VideoCodecConfig"]
