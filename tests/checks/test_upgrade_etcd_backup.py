"""upgrade.etcd_backup evaluated directly, and the bounded listing run on this machine against
real folders: thousands of files, links out, a missing folder."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from checks.upgrade import evaluate_backup
from collectors.errors import FactError
from collectors.facts import upgrade as U
from collectors.facts.upgrade import BackupFacts, list_backups
from collectors.transport.hosts import LocalHost

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def write_pair(folder: Path, stamp: str, hours_old: float) -> None:
    t = NOW.timestamp() - hours_old * 3600
    for name in (f"snapshot_{stamp}.db", f"static_kuberesources_{stamp}.tar.gz"):
        (folder / name).write_bytes(b"x" * 10)
        os.utime(folder / name, (t, t))


def facts(folder: Path) -> BackupFacts:
    exists, listing = list_backups(LocalHost(), str(folder))
    return BackupFacts("m1", str(folder), 24.0, exists, listing, "m1.ocp45.example.localdomain")


def test_a_fresh_pair_passes(tmp_path: Path) -> None:
    write_pair(tmp_path, "2026-12-06_020000", 10)
    write_pair(tmp_path, "2026-12-01_020000", 130)
    v = evaluate_backup(facts(tmp_path), NOW)
    assert v.ok and "snapshot_2026-12-06_020000.db with its static_kuberesources_" in v.message
    assert "10.0 h old" in v.message


def test_only_old_or_incomplete_backups_fail_with_the_backup_command(tmp_path: Path) -> None:
    write_pair(tmp_path, "2026-12-01_020000", 130)
    (tmp_path / "snapshot_2026-12-06_110000.db").write_bytes(b"x")
    os.utime(tmp_path / "snapshot_2026-12-06_110000.db", (NOW.timestamp(),) * 2)
    v = evaluate_backup(facts(tmp_path), NOW)
    assert not v.ok
    assert "the newest, snapshot_2026-12-01_020000.db, is 5.4 days old" in v.message
    assert "incomplete: snapshot_2026-12-06_110000.db" in v.message
    assert v.remediation == (
        "oc debug node/m1.ocp45.example.localdomain -- chroot /host "
        f"/usr/local/bin/cluster-backup.sh {tmp_path}"
    )


def test_a_missing_folder_fails(tmp_path: Path) -> None:
    v = evaluate_backup(facts(tmp_path / "nope"), NOW)
    assert not v.ok and f"found no folder {tmp_path / 'nope'}" in v.message


def test_links_out_are_named_and_never_counted(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    write_pair(outside, "2026-12-06_020000", 1)
    folder = tmp_path / "backup"
    folder.mkdir()
    for f in outside.iterdir():
        (folder / f.name).symlink_to(f)
    v = evaluate_backup(facts(folder), NOW)
    assert not v.ok and "no complete snapshot pair" in v.message
    assert f"snapshot_2026-12-06_020000.db (link to {outside}/snapshot_2026-12-06_020000.db)" in (
        v.message
    )


def test_thousands_of_files_are_an_error_naming_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(U, "MAX_BACKUP_ENTRIES", 50)
    for i in range(120):
        (tmp_path / f"snapshot_2026-12-06_{i:06d}.db").write_bytes(b"")
    with pytest.raises(FactError) as err:
        list_backups(LocalHost(), str(tmp_path))
    assert f"{tmp_path} on local holds more than 50" in str(err.value)
    assert "prune old backups" in err.value.remediation


def test_the_real_limit_copes_with_thousands(tmp_path: Path) -> None:
    for i in range(3000):
        (tmp_path / f"static_kuberesources_2026-12-06_{i:06d}.tar.gz").write_bytes(b"")
    with pytest.raises(FactError, match="holds more than 2000"):
        list_backups(LocalHost(), str(tmp_path))


def test_odd_names_do_not_break_the_listing(tmp_path: Path) -> None:
    write_pair(tmp_path, "2026-12-06_020000", 2)
    (tmp_path / "snapshot_\n$(reboot)\t.db").write_bytes(b"")
    v = evaluate_backup(facts(tmp_path), NOW)
    assert v.ok
