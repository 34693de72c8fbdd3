"""The Ray path: `RayRunner` on a local Ray (2 CPUs, started once per session) builds the same library as
the local path, and without Ray the runner and `pagelens add --ray` say how to install it."""

from __future__ import annotations

import sys

import pytest
import ray
from test_ingest_parallel import corpus, snapshot

from pagelens import Library, Settings
from pagelens.cli import main
from pagelens.ingest.ray_runner import RayRunner


@pytest.fixture(scope="session")
def local_ray():
    """A local Ray for the session. Ray gives its raylet a fixed 30 s to register, which a loaded machine
    can overrun (a bare Exception), so starting is tried three times."""
    for attempt in range(3):
        try:
            ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
            break
        except Exception:  # noqa: BLE001 - "The current node timed out during startup"
            ray.shutdown()
            if attempt == 2:
                raise
    yield
    ray.shutdown()


@pytest.mark.slow
def test_ray_path_builds_the_same_library_as_the_local_path(local_ray, dev_docs, tmp_path):
    files = corpus(dev_docs, tmp_path / "docs")
    (files / "broken.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 200)
    settings = Settings.from_env(workers=2, ocr_cache=str(tmp_path / "ocr-cache"))
    built = {}
    for how, runner in (("local", None), ("ray", RayRunner())):
        with Library(tmp_path / how, lanes=["text"], settings=settings) as lib:
            report = lib.add([files], runner=runner)
            built[how] = (snapshot(lib), [(f.name, f.status, f.pages, f.reason) for f in report.files])
    assert built["ray"] == built["local"]
    outcomes = {name: (status, reason) for name, status, _, reason in built["ray"][1]}
    assert outcomes["broken.pdf"][0] == "failed" and "damaged" in outcomes["broken.pdf"][1]
    assert outcomes["scan.pdf"] == ("added", "")


def test_without_ray_the_runner_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` does when it is not installed
    with pytest.raises(ImportError, match=r"pip install \"pagelens\[ray\]\""):
        RayRunner()


def test_without_ray_pagelens_add_ray_says_how_to_install_it(monkeypatch, tmp_path, dev_docs, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)
    code = main(["add", "--ray", "--library", str(tmp_path / "lib"), str(dev_docs / "booktabs-page2.png")])
    assert code == 1
    assert 'pip install "pagelens[ray]"' in capsys.readouterr().err
    assert not (tmp_path / "lib").exists()  # nothing was opened or written
