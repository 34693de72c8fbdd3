"""ColPali-family lanes on tiny ColQwen2, ColQwen2.5, ColSmol (ColIdefics3) and ColPali (PaliGemma) models
saved to disk: scores equal colpali-engine's `score_multi_vector`, MUVERA candidates in a real Chroma, token
sidecar on disk."""

import numpy as np
import pytest
from tiny_models import (
    build_tiny_colpali,
    build_tiny_colqwen2,
    build_tiny_colqwen2_5,
    build_tiny_colsmol,
    lane_context,
    make_pages,
)

pytestmark = [pytest.mark.visual, pytest.mark.slow]


FAMILIES = {
    "colqwen2": (build_tiny_colqwen2, "ColQwen2", "ColQwen2Processor"),
    "colqwen2_5": (build_tiny_colqwen2_5, "ColQwen2_5", "ColQwen2_5_Processor"),
    "colsmol": (build_tiny_colsmol, "ColIdefics3", "ColIdefics3Processor"),
    "colpali": (build_tiny_colpali, "ColPali", "ColPaliProcessor"),
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_colpali_lane_scores_equal_score_multi_vector(family, tmp_path):
    import colpali_engine.models as engine
    import torch
    from PIL import Image

    from pagelens.index.lane import Query
    from pagelens.lanes.visual.colpali import create_lane

    build, model_cls, processor_cls = FAMILIES[family]
    tiny_model = build(tmp_path / "model")
    exact = {
        "colpali_pool_factor": 1,
        "colpali_token_dtype": "float16",
    }  # every token kept, as stored by default before
    ctx = lane_context(
        tmp_path, colpali_candidates=3, max_pixels=10**7, **exact
    )  # the processor's own cap only
    lane = create_lane(f"colpali:{tiny_model}", ctx)
    pages = make_pages(tmp_path / "pages", 5)
    lane.index(pages)

    # colpali-engine directly, as its README does
    model = (
        getattr(engine, model_cls)
        .from_pretrained(tiny_model, attn_implementation="eager", dtype=torch.float32)
        .eval()
    )
    processor = getattr(engine, processor_cls).from_pretrained(tiny_model)
    images = [Image.open(p.image_path).convert("RGB") for p in pages]
    queries = ["a page with stripes", "a coloured block near the top"]
    with torch.no_grad():
        doc_batch = processor.process_images(images)
        docs = model(**doc_batch)
        query_batch = processor.process_queries(queries)
        qs = model(**query_batch)
    unpad = lambda x, b: [row[m.bool()] for row, m in zip(x, b["attention_mask"])]  # noqa: E731
    expected = processor.score_multi_vector(
        unpad(qs, query_batch), unpad(docs, doc_batch), device="cpu"
    ).numpy()

    for qi, text in enumerate(queries):
        hits = lane.search(Query(text=text), k=2)  # 3 FDE candidates, exact MaxSim over them, best 2
        assert len(hits) == 2
        for hit in hits:
            page_index = [p.key for p in pages].index(hit.key)
            # float16 sidecar: scores agree to ~1e-2 of a sum over ~20 query tokens
            assert hit.score == pytest.approx(expected[qi, page_index], abs=2e-2)
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)

    # all candidates -> exact ranking equals colpali-engine's ranking
    full = create_lane(
        f"colpali:{tiny_model}", lane_context(tmp_path, colpali_candidates=50, max_pixels=10**7, **exact)
    )
    hits = full.search(Query(text=queries[0]), k=5)
    order = np.argsort(-expected[0])
    assert [h.key for h in hits] == [pages[i].key for i in order]

    # token sidecar: float16 rows, one file per page, gone after delete
    stored = np.load(lane.store.path(pages[0].key))
    assert stored.dtype == np.float16 and stored.shape[1] == 128
    lane.delete([pages[0].doc_id])
    assert lane.collection.count() == 0
    assert not (ctx.folder / "tokens" / pages[0].doc_id).exists()


def test_pooled_int8_tokens_are_stored_smaller_and_rank_like_full_tokens(tmp_path):
    """colpali_pool_factor 2 + int8 codes: each page file holds ceil(n/2) int8 rows (128 codes + a 2-byte
    scale), the lane's spec names the codec (so a change re-embeds), and the top page equals the full lane's."""
    from pagelens.index.lane import Query
    from pagelens.lanes.visual.colpali import create_lane

    tiny_model = build_tiny_colqwen2(tmp_path / "model")
    pages = make_pages(tmp_path / "pages", 5)
    full = create_lane(
        f"colpali:{tiny_model}",
        lane_context(
            tmp_path / "full", max_pixels=10**7, colpali_pool_factor=1, colpali_token_dtype="float16"
        ),
    )
    small = create_lane(
        f"colpali:{tiny_model}",
        lane_context(tmp_path / "small", max_pixels=10**7, colpali_pool_factor=2, colpali_token_dtype="int8"),
    )
    full.index(pages)
    small.index(pages)
    assert small.spec()["tokens"] == {"pool_factor": 2, "dtype": "int8"} and "tokens" not in full.spec()
    for page in pages:
        n = np.load(full.store.path(page.key)).shape[0]
        stored = np.load(small.store.path(page.key))
        assert stored.dtype == np.int8 and stored.shape == (-(-n // 2), 130)
    for text in ("a page with stripes", "a coloured block near the top"):
        assert small.search(Query(text=text), k=1)[0].key == full.search(Query(text=text), k=1)[0].key
