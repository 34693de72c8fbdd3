"""ColPali-family lane on a tiny ColQwen2 (colpali-engine) saved to disk: scores equal colpali-engine's
`score_multi_vector`, MUVERA candidates in a real Chroma, token sidecar on disk."""

import numpy as np
import pytest

from tiny_models import build_tiny_colqwen2, lane_context, make_pages

pytestmark = [pytest.mark.visual, pytest.mark.slow]


@pytest.fixture(scope="module")
def tiny_colqwen(tmp_path_factory):
    return build_tiny_colqwen2(tmp_path_factory.mktemp("colqwen-model"))


def test_colqwen_lane_scores_equal_score_multi_vector(tiny_colqwen, tmp_path):
    import torch
    from colpali_engine.models import ColQwen2, ColQwen2Processor
    from PIL import Image

    from pagelens.index.lane import Query
    from pagelens.models.colpali import create_lane

    ctx = lane_context(tmp_path, colpali_candidates=3, max_pixels=10**7)  # the processor's own cap only
    lane = create_lane(f"colpali:{tiny_colqwen}", ctx)
    pages = make_pages(tmp_path / "pages", 5)
    lane.index(pages)

    # colpali-engine directly, as its README does
    model = ColQwen2.from_pretrained(tiny_colqwen, attn_implementation="eager", dtype=torch.float32).eval()
    processor = ColQwen2Processor.from_pretrained(tiny_colqwen)
    images = [Image.open(p.image_path).convert("RGB") for p in pages]
    queries = ["a page with stripes", "a coloured block near the top"]
    with torch.no_grad():
        doc_batch = processor.process_images(images)
        docs = model(**doc_batch)
        query_batch = processor.process_queries(queries)
        qs = model(**query_batch)
    unpad = lambda x, b: [row[m.bool()] for row, m in zip(x, b["attention_mask"])]  # noqa: E731
    expected = processor.score_multi_vector(unpad(qs, query_batch), unpad(docs, doc_batch), device="cpu").numpy()

    for qi, text in enumerate(queries):
        hits = lane.search(Query(text=text), k=2)  # 3 FDE candidates, exact MaxSim over them, best 2
        assert len(hits) == 2
        for hit in hits:
            page_index = [p.key for p in pages].index(hit.key)
            # float16 sidecar: scores agree to ~1e-2 of a sum over ~20 query tokens
            assert hit.score == pytest.approx(expected[qi, page_index], abs=2e-2)
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)

    # all candidates -> exact ranking equals colpali-engine's ranking
    full = create_lane(f"colpali:{tiny_colqwen}", lane_context(tmp_path, colpali_candidates=50, max_pixels=10**7))
    hits = full.search(Query(text=queries[0]), k=5)
    order = np.argsort(-expected[0])
    assert [h.key for h in hits] == [pages[i].key for i in order]

    # token sidecar: float16, one file per page, gone after delete
    stored = lane.store.load(pages[0].key)
    assert stored.dtype == np.float16 and stored.shape[1] == 128
    lane.delete([pages[0].doc_id])
    assert lane.collection.count() == 0
    assert not (ctx.folder / "tokens" / pages[0].doc_id).exists()
