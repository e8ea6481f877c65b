"""A host thread that outlives collection cannot write into the bundle once it is closed (nor
recreate the staging folder after the tarball is written)."""

from __future__ import annotations

import tarfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from collectors.triage import bundle
from collectors.triage.classify import Classifier
from collectors.triage.collect import HostPlan, Source


def _source(name: str) -> Source:
    return Source(f"hosts/m1/{name}", "m1", "file", f"/var/log/{name}", "")


def test_writer_drops_and_records_writes_after_close(tmp_path: Path) -> None:
    staging = tmp_path / "staging"
    staging.mkdir()
    writer = bundle.BundleWriter(staging, Classifier())
    writer.put(_source("early.log"), b"kept\n")
    writer.close_sources()
    writer.put(_source("late.log"), b"dropped\n")
    writer.write_text("findings.json", "{}\n")  # the bundle's own files still go in
    writer.close()
    writer.write_text("manifest2.json", "{}\n")
    assert (staging / "hosts/m1/early.log").read_text() == "kept\n"
    assert (
        not (staging / "hosts/m1/late.log").exists() and not (staging / "manifest2.json").exists()
    )
    assert (staging / "findings.json").exists()
    assert writer.ignored == ["hosts/m1/late.log", "manifest2.json"]


def test_a_straggling_host_thread_does_not_write_after_the_tarball(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    straggler: list[threading.Thread] = []

    def collect_all(
        _site, plans, sink, _say
    ) -> None:  # collection gives up on a host still running
        def late() -> None:
            time.sleep(0.5)
            sink.put(_source("late.log"), b"written after the host's timeout\n")

        t = threading.Thread(target=late)
        t.start()
        straggler.append(t)
        for hp in plans:
            hp.status, hp.error = "failed", "did not finish within 0s"

    monkeypatch.setattr(bundle, "collect_all", collect_all)
    out = tmp_path / "b.tar.gz"
    manifest = bundle.write_bundle(
        out, SimpleNamespace(inventory=None), plans=[HostPlan("m1", None, [])]
    )
    straggler[0].join(5)
    assert manifest["hosts"]["m1"]["status"] == "failed"
    assert [p.name for p in tmp_path.iterdir()] == ["b.tar.gz"]  # no staging folder came back
    with tarfile.open(out) as tar:
        assert not any("late.log" in n for n in tar.getnames())
