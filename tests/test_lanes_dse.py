"""DSE lane on a tiny random Qwen2-VL saved to disk: parity with the model card's recipe, and a real Chroma."""

import numpy as np
import pytest
from tiny_models import build_tiny_dse, lane_context, make_pages

pytestmark = [pytest.mark.visual, pytest.mark.slow]

DIM = 16
MAX_PIXELS = 64 * 28 * 28


@pytest.fixture(scope="module")
def tiny_dse(tmp_path_factory):
    return build_tiny_dse(tmp_path_factory.mktemp("dse-model"))


def card_embeddings(folder, messages, dimension):
    """The model card's code (MrLight/dse-qwen2-2b-mrl-v1), written out independently of pagelens.

    Differences from the card, all for CPU: float32 and eager attention instead of bfloat16 + flash attention;
    no `prepare_inputs_for_generation` (transformers 5 computes the multimodal rope positions in forward).
    """
    import torch
    from qwen_vl_utils import process_vision_info
    from transformers import AutoProcessor, Qwen2VLForConditionalGeneration

    processor = AutoProcessor.from_pretrained(folder, min_pixels=28 * 28, max_pixels=MAX_PIXELS)
    model = Qwen2VLForConditionalGeneration.from_pretrained(
        folder, attn_implementation="eager", dtype=torch.float32
    ).eval()
    processor.tokenizer.padding_side = "left"
    model.padding_side = "left"

    def get_embedding(last_hidden_state, dimension):
        reps = last_hidden_state[:, -1]
        return torch.nn.functional.normalize(reps[:, :dimension], p=2, dim=-1)

    texts = [
        processor.apply_chat_template(msg, tokenize=False, add_generation_prompt=True) + "<|endoftext|>"
        for msg in messages
    ]
    image_inputs, video_inputs = process_vision_info(messages)
    inputs = processor(
        text=texts, images=image_inputs, videos=video_inputs, padding="longest", return_tensors="pt"
    )
    with torch.no_grad():
        output = model(**inputs, return_dict=True, output_hidden_states=True)
    return get_embedding(output.hidden_states[-1], dimension).numpy()


def test_dse_embeddings_equal_the_model_card_computation(tiny_dse, tmp_path):
    from PIL import Image

    from pagelens.lanes.visual.dse import create_lane

    lane = create_lane(f"dse:{tiny_dse}", lane_context(tmp_path, dse_dim=DIM))
    queries = ["Where can we see Llama?", "What is the LLaMA AI model and how was it trained on csv files?"]
    query_messages = [
        [
            {
                "role": "user",
                "content": [
                    {
                        "type": "image",
                        "image": Image.new("RGB", (28, 28)),
                        "resized_height": 1,
                        "resized_width": 1,
                    },
                    {"type": "text", "text": f"Query: {q}"},
                ],
            }
        ]
        for q in queries
    ]
    pages = make_pages(tmp_path / "pages", 2)
    images = [Image.open(p.image_path).convert("RGB") for p in pages]
    doc_messages = [
        [
            {
                "role": "user",
                "content": [
                    {"type": "image", "image": image},
                    {"type": "text", "text": "What is shown in this image?"},
                ],
            }
        ]
        for image in images
    ]

    expected_q = card_embeddings(tiny_dse, query_messages, DIM)
    expected_d = card_embeddings(tiny_dse, doc_messages, DIM)
    got_q = lane.encoder.embed_queries(queries)
    got_d = lane.encoder.embed_images(images)
    assert got_q.shape == (2, DIM) and got_q.dtype == np.float32
    assert not np.isnan(got_q).any()
    np.testing.assert_allclose(got_q, expected_q, atol=1e-4)
    np.testing.assert_allclose(got_d, expected_d, atol=1e-4)
    # batch of one == batch of two (left padding does not change the last token)
    np.testing.assert_allclose(lane.encoder.embed_queries(queries[1:]), got_q[1:], atol=1e-4)


def test_dse_lane_index_search_delete(tiny_dse, tmp_path):
    from PIL import Image

    from pagelens.index.lane import Query
    from pagelens.lanes.visual.dse import create_lane

    ctx = lane_context(tmp_path, dse_dim=DIM)
    lane = create_lane(f"dse:{tiny_dse}", ctx)
    pages = make_pages(tmp_path / "pages", 3)
    lane.index(pages)
    hits = lane.search(Query(text="a page with stripes"), k=5)
    assert sorted(h.key for h in hits) == sorted(p.key for p in pages)
    assert hits == sorted(hits, key=lambda h: -h.score)
    # the page's own screenshot as an image query finds that page first, with cosine ~1
    hit = lane.search(Query(image=Image.open(pages[1].image_path)), k=1)[0]
    assert hit.key == pages[1].key and hit.score > 0.999
    # a composed query (image + modification) is a unit vector different from both of its parts
    composed = lane.query_vector(Query(text="in red", image=Image.open(pages[1].image_path)))
    assert abs(np.linalg.norm(composed) - 1) < 1e-5
    lane.delete([pages[0].doc_id])
    assert lane.search(Query(text="stripes"), k=5) == []
