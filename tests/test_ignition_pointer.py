"""ignition.pointer's CA branch on configs written here (the lab covers the merge source)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from checks.ignition import evaluate_pointer, expected_source
from collectors.facts.ignition import gather_pointer
from collectors.inventory import load_inventory
from collectors.parsers.dataurl import encode_data_url
from collectors.site import Site
from lab.ignition_files import make_ca, pointer_config

DOMAIN = "ocp45.example.localdomain"


def _site(tmp_path: Path, configs: dict[str, dict | str]) -> Site:
    folder = tmp_path / "installdir"
    folder.mkdir()
    for name, doc in configs.items():
        (folder / name).write_text(doc if isinstance(doc, str) else json.dumps(doc))
    inventory = tmp_path / "site.yaml"
    inventory.write_text(
        f"cluster: {{name: ocp45, base_domain: example.localdomain}}\nignition: {{dir: {folder}}}\n"
    )
    return Site(load_inventory(inventory))


def _verdict(site: Site, name: str):
    url = expected_source(DOMAIN, 22623, name)
    return evaluate_pointer(
        gather_pointer(site, name), url, datetime.now(UTC), str(site.inv.ignition.dir)
    )


def test_pointer_ca_must_parse_and_be_valid(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    api_int = f"api-int.{DOMAIN}"
    good = pointer_config(
        "master", api_int, make_ca("root-ca", now + timedelta(days=300), 24 * 365)
    )
    expired = pointer_config("worker", api_int, make_ca("root-ca", now - timedelta(hours=2), 48))
    site = _site(tmp_path, {"master.ign": good, "worker.ign": expired})
    assert _verdict(site, "master.ign").ok
    verdict = _verdict(site, "worker.ign")
    assert not verdict.ok and "CA CN=root-ca expired at" in verdict.message
    assert "regenerate" in verdict.remediation


def test_pointer_without_ca_or_with_garbage_ca_fails(tmp_path: Path) -> None:
    source = f"https://api-int.{DOMAIN}:22623/config/"
    bare = {"ignition": {"version": "3.1.0", "config": {"merge": [{"source": source + "master"}]}}}
    garbage = json.loads(json.dumps(bare).replace("master", "worker"))
    garbage["ignition"]["security"] = {
        "tls": {
            "certificateAuthorities": [
                {
                    "source": encode_data_url(
                        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
                    )
                }
            ]
        }
    }
    site = _site(tmp_path, {"master.ign": bare, "worker.ign": garbage})
    assert (
        "no CA in ignition.security.tls.certificateAuthorities"
        in _verdict(site, "master.ign").message
    )
    message = _verdict(site, "worker.ign").message
    assert (
        "$.ignition.security.tls.certificateAuthorities[0].source: "
        "certificate #1 is not a valid X.509" in message
    )
    assert "AAAA" not in message


def test_missing_pointer_fails_with_the_installer_command(tmp_path: Path) -> None:
    site = _site(tmp_path, {})
    verdict = _verdict(site, "master.ign")
    assert not verdict.ok and "no such file" in verdict.message
    assert (
        verdict.remediation
        == f"openshift-install create ignition-configs --dir {site.inv.ignition.dir}"
    )
