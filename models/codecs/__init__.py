"""Learned codecs: pictures and stems to the compact latents the joint model works on."""
from .audio_codec import AudioCodec, AudioCodecConfig
from .video_codec import VideoCodec, VideoCodecConfig

__all__ = ["AudioCodec", "AudioCodecConfig", "VideoCodec", "VideoCodecConfig", "codec_config"]


def codec_config(which: str, fields: dict):
    """The config a checkpoint's metadata records for its `which` ("video"/"audio") codec.
    JSON gives lists where the configs hold tuples (the video codec's channels)."""
    conf = {"video": VideoCodecConfig, "audio": AudioCodecConfig}[which]
    return conf(**{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()})
