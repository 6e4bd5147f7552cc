"""The HTML report renderer and the training-dynamics experiments behind the reproduce page."""
from __future__ import annotations

import numpy as np
import pytest

from deltagrad import report as rp
from deltagrad.data import chapter_data
from deltagrad.experiments import dynamics


def test_report_escapes_text_and_embeds_images(tmp_path):
    img = tmp_path / "a.png"
    img.write_bytes(b"\x89PNG fake")
    page = rp.render("T <1>", [rp.Section("S & s", ["<b>html</b> paragraph"],
                                          [rp.Table("c<", ["h"], [["<x>"], [0.123456789]])],
                                          [rp.FigureRef(img, "Figure 7-2: a < b")])], ["meta"])
    assert "T &lt;1&gt;" in page and "S &amp; s" in page and "&lt;x&gt;" in page
    assert "0.123457" in page  # six significant digits by default
    assert "data:image/png;base64," in page and "Figure 7-2: a &lt; b" in page


def test_report_refuses_unknown_image_types(tmp_path):
    bad = tmp_path / "a.bmp"
    bad.write_bytes(b"x")
    with pytest.raises(ValueError, match="a.bmp"):
        rp.render("t", [rp.Section("s", figures=[rp.FigureRef(bad, "c")])], [])


@pytest.fixture(scope="module")
def data():
    return chapter_data()


def test_sigmoid_gradients_vanish_towards_the_input_and_relu_s_do_not(data):
    norms = dynamics.gradient_norms(*data, epochs=1, seed=0)
    sig, relu = norms["sigmoid"]["norms"][0], norms["relu"]["norms"][0]  # before training
    assert sig.shape == relu.shape == (4,)
    assert sig[0] < 0.1 * sig[-1]  # the first layer learns an order of magnitude slower
    assert relu[0] > sig[0] * 10


def test_boundary_evolution_keeps_the_requested_frames(data):
    ev = dynamics.boundary_evolution(*data, epochs=3, frames=3, steps=20, seed=0)
    assert ev["epochs"] == [0, 1, 2]
    assert len(ev["proba"]) == 3 and ev["proba"][0].shape == ev["xx"].shape == (20, 20)
    assert all(np.all((p >= 0) & (p <= 1)) for p in ev["proba"])
