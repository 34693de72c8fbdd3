"""CLIP lane end to end: a tiny open_clip model from a custom JSON config, saved weights, real Chroma."""

import numpy as np
import pytest
from tiny_models import build_tiny_clip, lane_context, make_pages

pytestmark = pytest.mark.visual


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory):
    name, checkpoint = build_tiny_clip(tmp_path_factory.mktemp("clip-model"))
    return f"clip:{name}/{checkpoint}"


def test_parse_model_names():
    from pagelens.lanes.visual.clip import parse_model

    assert parse_model("ViT-B-32/laion2b_s34b_b79k") == ("ViT-B-32", "laion2b_s34b_b79k")
    assert parse_model("ViT-B-32//abs/path/w.pt") == ("ViT-B-32", "/abs/path/w.pt")
    assert parse_model("hf-hub:timm/ViT-B-16-SigLIP") == ("hf-hub:timm/ViT-B-16-SigLIP", None)


def test_clip_lane_end_to_end(tiny_clip, tmp_path):
    import open_clip
    import torch
    from PIL import Image

    from pagelens.index.lane import Query
    from pagelens.lanes.visual.clip import create_lane

    ctx = lane_context(
        tmp_path, max_pixels=10**7
    )  # no downscaling: the direct computation below sees the same pixels
    lane = create_lane(tiny_clip, ctx)
    assert lane.spec()["pretrained"].endswith(".pt")
    pages = make_pages(tmp_path / "pages", 4)
    lane.index(pages)
    lane.index(pages[:2])  # re-indexing upserts: still 4 records
    assert lane.collection.count() == 4

    # text query: ranked by the text tower, scores equal cosine with a direct open_clip computation
    model_name, _, checkpoint = tiny_clip.removeprefix("clip:").partition("/")
    model, _, preprocess = open_clip.create_model_and_transforms(model_name, pretrained=checkpoint)
    model.eval()
    with torch.no_grad():
        text = model.encode_text(open_clip.get_tokenizer(model_name)(["a striped page"]))[0].numpy()
        images = model.encode_image(
            torch.stack([preprocess(Image.open(p.image_path)) for p in pages])
        ).numpy()
    text /= np.linalg.norm(text)
    images /= np.linalg.norm(images, axis=1, keepdims=True)
    expected = {p.key: float(v @ text) for p, v in zip(pages, images)}
    hits = lane.search(Query(text="a striped page"), k=3)
    assert [h.key for h in hits] == sorted(expected, key=expected.get, reverse=True)[:3]
    for h in hits:
        assert h.score == pytest.approx(expected[h.key], abs=1e-4)

    # image query: the page's own screenshot comes first
    assert lane.search(Query(image=Image.open(pages[2].image_path)), k=1)[0].key == pages[2].key

    # composed query: the PDV formula over this lane's towers
    from pagelens.lanes.visual.pdv import PdvWeights, compose

    s = ctx.settings
    ref = Image.open(pages[3].image_path)
    got = lane.query_vector(Query(text="with a red bar", image=ref))
    base, composed = lane.encoder.embed_queries(["", "with a red bar"])
    want = compose(lane.encoder.embed_images([ref])[0], base, composed, PdvWeights.from_settings(s))
    np.testing.assert_allclose(got, want, atol=1e-5)

    lane.delete([pages[0].doc_id])
    assert lane.collection.count() == 0


@pytest.mark.slow
def test_library_with_text_and_tiny_clip_lanes(tiny_clip, tmp_path):
    """A library mixes the text lane and a visual lane; image and composed queries reach the visual lane."""
    from pagelens import Library
    from pagelens.assets import SAMPLE_DIR

    sample = SAMPLE_DIR / "gnuplot-expressions.pdf"
    lib = Library(tmp_path / "lib", lanes=["text", tiny_clip])
    try:
        assert lib.add([sample]).ok
        assert lib.wait_for_lanes(300)  # the visual lane encodes behind the add
        hits = lib.search("gnuplot expressions", k=3)
        assert hits and tiny_clip in set().union(*(h.lanes for h in hits))
        page_image = hits[0].image_path
        by_image = lib.search(image=page_image, k=1, lanes=[tiny_clip])
        assert by_image[0].image_path == page_image  # a page's own screenshot finds that page
        assert lib.search("in red", image=page_image, k=2, lanes=[tiny_clip])
    finally:
        lib.close()
