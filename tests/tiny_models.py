"""Tiny random-weight models for the visual lanes, built from configs and saved to a folder.

Nothing here downloads: tokenizers are trained locally with the `tokenizers` library on a few sentences,
configs are written by hand, and every model is saved with `save_pretrained` so the lanes load it through
the same `from_pretrained` path as a real hub checkpoint. (transformers' own test helpers download
tokenizers, so they are not used.)
"""

from __future__ import annotations

import json
from pathlib import Path

CORPUS = [
    "What is shown in this image? Query: how do I read a CSV file with pandas",
    "The quick brown fox jumps over the lazy dog. Tables, figures, charts and slides.",
    "Query: revenue growth in 2023 compared to 2022, a bar chart of quarterly sales",
    "system user assistant You are a helpful assistant. Describe the image.",
    "0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ .,:;!?()[]{}<>-_=+*/\\'\"",
]

QWEN_SPECIAL = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
]

# Qwen2-VL's chat template (the one shipped in the Qwen2-VL / DSE checkpoints' chat_template.json).
QWEN2_VL_CHAT_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}"
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "{% set image_count.value = image_count.value + 1 %}"
    "{% if add_vision_id %}Picture {{ image_count.value }}: {% endif %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' or 'video' in content %}{% set video_count.value = video_count.value + 1 %}"
    "{% if add_vision_id %}Video {{ video_count.value }}: {% endif %}<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def byte_level_tokenizer(special_tokens: list[str], *, vocab_size: int = 400, **kwargs):
    """A byte-level BPE tokenizer trained on CORPUS, wrapped as a transformers fast tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=special_tokens,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(CORPUS, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, **kwargs)


def _qwen_tokenizer():
    tokenizer = byte_level_tokenizer(
        QWEN_SPECIAL,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        extra_special_tokens={"image_token": "<|image_pad|>", "video_token": "<|video_pad|>"},
    )
    tokenizer.padding_side = "left"
    return tokenizer


TINY_QWEN2_VL_TEXT = dict(
    hidden_size=32,
    intermediate_size=64,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    max_position_embeddings=512,
    rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [2, 1, 1]},
)
TINY_QWEN2_VL_VISION = dict(
    depth=1,
    embed_dim=32,
    hidden_size=32,
    num_heads=4,
    mlp_ratio=2,
    patch_size=14,
    spatial_merge_size=2,
    temporal_patch_size=2,
)


def _tiny_qwen2_vl_config(tokenizer, text=TINY_QWEN2_VL_TEXT, vision=TINY_QWEN2_VL_VISION, **extra):
    """A Qwen2-VL config of these sizes (tiny by default) whose special ids are the tokenizer's; the
    vocabulary is the tokenizer's unless `text` names its own size."""
    from transformers import Qwen2VLConfig

    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in QWEN_SPECIAL}
    text = dict(
        {"vocab_size": len(tokenizer), **text},
        bos_token_id=ids["<|endoftext|>"],
        eos_token_id=ids["<|im_end|>"],
        pad_token_id=ids["<|endoftext|>"],
    )
    return Qwen2VLConfig(
        text_config=text,
        vision_config=vision,
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=True,
        **extra,
    )


def _qwen2_vl_processor(tokenizer, processor_cls=None, *, min_pixels=28 * 28, max_pixels=64 * 28 * 28):
    from transformers import Qwen2VLImageProcessor, Qwen2VLProcessor, Qwen2VLVideoProcessor

    cls = processor_cls or Qwen2VLProcessor
    return cls(
        image_processor=Qwen2VLImageProcessor(min_pixels=min_pixels, max_pixels=max_pixels),
        video_processor=Qwen2VLVideoProcessor(),
        tokenizer=tokenizer,
        chat_template=QWEN2_VL_CHAT_TEMPLATE,
    )


def build_tiny_dse(folder: Path) -> Path:
    """A Qwen2-VL model + processor shaped like MrLight/dse-qwen2-2b-mrl-v1, random weights."""
    import torch
    from transformers import Qwen2VLForConditionalGeneration

    torch.manual_seed(0)
    tokenizer = _qwen_tokenizer()
    model = Qwen2VLForConditionalGeneration(_tiny_qwen2_vl_config(tokenizer)).eval()
    model.save_pretrained(folder)
    _qwen2_vl_processor(tokenizer).save_pretrained(folder)
    return folder


def build_tiny_colqwen2(folder: Path) -> Path:
    """A ColQwen2 (colpali-engine) model + processor from a tiny Qwen2-VL config, random weights."""
    import torch
    from colpali_engine.models import ColQwen2, ColQwen2Processor

    torch.manual_seed(0)
    tokenizer = _qwen_tokenizer()
    model = ColQwen2(_tiny_qwen2_vl_config(tokenizer)).eval()
    model.save_pretrained(folder)
    _qwen2_vl_processor(tokenizer, ColQwen2Processor).save_pretrained(folder)
    return folder


def build_tiny_colqwen2_5(folder: Path) -> Path:
    """A ColQwen2.5 (colpali-engine) model + processor from a tiny Qwen2.5-VL config, random weights: the
    text side is the Qwen2-VL one above; the vision side is Qwen2.5-VL's windowed ViT at one block."""
    import torch
    from colpali_engine.models import ColQwen2_5, ColQwen2_5_Processor
    from transformers import Qwen2_5_VLConfig

    torch.manual_seed(0)
    tokenizer = _qwen_tokenizer()
    qwen2 = _tiny_qwen2_vl_config(tokenizer)
    vision = dict(
        depth=1,
        hidden_size=32,
        intermediate_size=64,
        num_heads=4,
        patch_size=14,
        spatial_merge_size=2,
        temporal_patch_size=2,
        out_hidden_size=32,
        window_size=112,
        fullatt_block_indexes=[0],
    )
    config = Qwen2_5_VLConfig(
        text_config=qwen2.text_config.to_dict(),
        vision_config=vision,
        image_token_id=qwen2.image_token_id,
        video_token_id=qwen2.video_token_id,
        vision_start_token_id=qwen2.vision_start_token_id,
        vision_end_token_id=qwen2.vision_end_token_id,
        tie_word_embeddings=True,
    )
    ColQwen2_5(config).eval().save_pretrained(folder)
    _qwen2_vl_processor(tokenizer, ColQwen2_5_Processor).save_pretrained(folder)
    return folder


PALIGEMMA_SPECIAL = ["<pad>", "<eos>", "<bos>", "<unk>", "<image>"]


def build_tiny_colpali(folder: Path) -> Path:
    """A ColPali (PaliGemma: SigLIP vision + Gemma text) model + processor from a tiny config, random weights.

    A 64x64 image in 16x16 patches gives 16 image tokens, the processor's `image_seq_length`. The LM head is
    saved untied: ColPali's own class never re-ties it on load (with transformers 5 a tied head stays on the
    meta device and `.to(device)` fails); the lane never uses the head, only the last hidden states."""
    import torch
    from colpali_engine.models import ColPali, ColPaliProcessor
    from transformers import PaliGemmaConfig, SiglipImageProcessor

    torch.manual_seed(0)
    tokenizer = byte_level_tokenizer(
        PALIGEMMA_SPECIAL,
        pad_token="<pad>",
        eos_token="<eos>",
        bos_token="<bos>",
        unk_token="<unk>",
        extra_special_tokens={"image_token": "<image>"},
    )
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in PALIGEMMA_SPECIAL}
    config = PaliGemmaConfig(
        text_config=dict(
            model_type="gemma",
            vocab_size=len(tokenizer),
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=1,
            head_dim=8,
            max_position_embeddings=512,
            pad_token_id=ids["<pad>"],
            bos_token_id=ids["<bos>"],
            eos_token_id=ids["<eos>"],
            tie_word_embeddings=False,
        ),
        vision_config=dict(
            model_type="siglip_vision_model",
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=1,
            num_attention_heads=4,
            image_size=64,
            patch_size=16,
            projection_dim=32,
        ),
        image_token_index=ids["<image>"],
        vocab_size=len(tokenizer),
        projection_dim=32,
        hidden_size=32,
        tie_word_embeddings=False,
    )
    config.text_config.num_image_tokens = 16
    ColPali(config).eval().save_pretrained(folder)
    image_processor = SiglipImageProcessor(size={"height": 64, "width": 64}, image_seq_length=16)
    ColPaliProcessor(image_processor=image_processor, tokenizer=tokenizer).save_pretrained(folder)
    return folder


def build_tiny_clip(folder: Path, name: str = "pagelens-tiny-clip") -> tuple[str, Path]:
    """An open_clip model from a custom JSON config (registered with add_model_config), weights saved to a file.

    Returns (model name, checkpoint path): the lane name is `clip:<name>/<checkpoint path>`.
    """
    import open_clip
    import torch

    config = {
        "embed_dim": 32,
        "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "patch_size": 16, "head_width": 16},
        "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1},
    }
    folder.mkdir(parents=True, exist_ok=True)
    config_path = folder / f"{name}.json"
    config_path.write_text(json.dumps(config))
    open_clip.add_model_config(config_path)
    torch.manual_seed(0)
    model = open_clip.create_model(name, pretrained=None)
    checkpoint = folder / f"{name}.pt"
    torch.save(model.state_dict(), checkpoint)
    return name, checkpoint


def make_pages(folder: Path, count: int, doc_id: str = "doc1") -> list:
    """`count` Page records with distinct PNG screenshots (coloured blocks and stripes) of varying sizes."""
    from PIL import Image, ImageDraw

    from pagelens.types import Page

    folder.mkdir(parents=True, exist_ok=True)
    pages = []
    for number in range(1, count + 1):
        size = (180 + 40 * (number % 3), 240 + 30 * (number % 2))
        image = Image.new("RGB", size, (255, 255, 255))
        draw = ImageDraw.Draw(image)
        colour = ((53 * number) % 256, (97 * number) % 256, (151 * number) % 256)
        draw.rectangle((10, 10 + 15 * number, size[0] - 10, 60 + 15 * number), fill=colour)
        for x in range(0, size[0], 8 + 3 * number):
            draw.line((x, 150, x, size[1]), fill=(0, 0, 0), width=2)
        path = folder / f"{doc_id}-{number:05d}.png"
        image.save(path)
        pages.append(
            Page(
                doc_id=doc_id,
                doc=f"{doc_id}.pdf",
                page=number,
                image_path=str(path),
                width=size[0],
                height=size[1],
                text=f"page {number}",
                text_source="layer",
            )
        )
    return pages


def lane_context(folder: Path, **settings):
    """A LaneContext over a real embedded Chroma in `folder` (CPU, small batches)."""
    from pagelens.config import Settings
    from pagelens.index.chroma import ChromaHandle
    from pagelens.index.lane import LaneContext

    values = {"device": "cpu", "batch_size": 2, "max_pixels": 64 * 28 * 28, "library": folder, **settings}
    return LaneContext(
        settings=Settings.from_env({}, **values),
        chroma=ChromaHandle.open(folder=folder / "chroma"),
        folder=folder / "lane",
    )


IDEFICS3_SPECIAL = [
    "<|endoftext|>",
    "<|im_start|>",
    "<end_of_utterance>",
    "<fake_token_around_image>",
    "<image>",
    "<global-img>",
] + [f"<row_{i}_col_{j}>" for i in range(1, 7) for j in range(1, 7)]


def build_tiny_colsmol(folder: Path) -> Path:
    """A ColIdefics3 (ColSmol-shaped) model + processor from a tiny Idefics3 config, random weights."""
    import torch
    from colpali_engine.models import ColIdefics3, ColIdefics3Processor
    from transformers import Idefics3Config, Idefics3ImageProcessor

    torch.manual_seed(0)
    tokenizer = byte_level_tokenizer(
        IDEFICS3_SPECIAL, eos_token="<end_of_utterance>", pad_token="<|endoftext|>", bos_token="<|im_start|>"
    )
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in IDEFICS3_SPECIAL}
    config = Idefics3Config(
        text_config={
            "model_type": "llama",
            "vocab_size": len(tokenizer),
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "max_position_embeddings": 2048,
            "pad_token_id": ids["<|endoftext|>"],
        },
        vision_config={
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 1,
            "num_attention_heads": 4,
            "image_size": 64,
            "patch_size": 16,
        },
        scale_factor=2,
        image_token_id=ids["<image>"],
        pad_token_id=ids["<|endoftext|>"],
    )
    model = ColIdefics3(config).eval()
    model.save_pretrained(folder)
    image_processor = Idefics3ImageProcessor(
        size={"longest_edge": 128}, max_image_size={"longest_edge": 64}, do_image_splitting=True
    )
    # image_seq_len = (image_size / patch_size)**2 / scale_factor**2 = 16 / 4
    ColIdefics3Processor(
        image_processor=image_processor, tokenizer=tokenizer, image_seq_len=4
    ).save_pretrained(folder)
    return folder
