"""PDV composition checked against a hand computation of the formula in issue 3."""

import numpy as np

from pagelens.config import Settings
from pagelens.lanes.visual.pdv import PdvWeights, compose, composed_texts


def unit(v):
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


def test_compose_matches_hand_computation():
    image, base, composed = unit([1, 0, 0, 0]), unit([0, 1, 0, 0]), unit([0, 1, 1, 0])
    a_t, a_i, b = 1.2, 1.0, 0.7
    # hand: delta = (0, 1/sqrt2 - 1, 1/sqrt2, 0)
    s = 1 / np.sqrt(2)
    delta = np.array([0, s - 1, s, 0])
    text_side = np.array([0, 1, 0, 0]) + a_t * delta
    image_side = np.array([1, 0, 0, 0]) + a_i * delta
    expected = unit((1 - b) * image_side + b * text_side)
    got = compose(image, base, composed, PdvWeights(alpha_text=a_t, alpha_image=a_i, beta=b))
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert abs(np.linalg.norm(got) - 1) < 1e-6


def test_compose_normalises_inputs_and_limits():
    rng = np.random.default_rng(0)
    image, base, composed = rng.standard_normal((3, 8))
    # beta = 0 and no text change: the query is the reference image's direction
    np.testing.assert_allclose(compose(image, base, base, PdvWeights(1.0, 1.0, 0.0)), unit(image), atol=1e-6)
    # beta = 1, alpha_text = 1: the query is the composed text's direction
    np.testing.assert_allclose(
        compose(image, base, composed, PdvWeights(1.0, 1.0, 1.0)), unit(composed), atol=1e-6
    )
    # scaling an input does not change the result (every tower output is normalised first)
    w = PdvWeights.from_settings(Settings())
    np.testing.assert_allclose(
        compose(5 * image, base, 3 * composed, w), compose(image, base, composed, w), atol=1e-6
    )


def test_composed_texts():
    assert composed_texts("in red", "a bar chart") == ("a bar chart", "a bar chart in red")
    assert composed_texts(" in red ", None) == ("", "in red")
