"""Talkie's ComfyUI nodes: thin adapters from ComfyUI types to `talkie.models`."""
from comfy_api.latest import ComfyExtension, io


class TalkieExtension(ComfyExtension):
    async def get_node_list(self) -> list[type[io.ComfyNode]]:
        from .av_decode import TalkieAVDecode
        from .av_encode import TalkieAVEncode
        from .empty_latent import TalkieEmptyAVLatent
        from .extend import TalkieExtendAV
        from .joint_sampler import TalkieJointSampler
        from .loader import TalkieLoadModel
        from .save_av import TalkieSaveAV
        from .stem_mixer import TalkieStemMixer
        from .sync_report import TalkieSyncReport
        from .text_encode import TalkieTextEncode

        return [TalkieLoadModel, TalkieTextEncode, TalkieEmptyAVLatent, TalkieJointSampler, TalkieAVDecode,
                TalkieSaveAV, TalkieAVEncode, TalkieExtendAV, TalkieStemMixer, TalkieSyncReport]
