"""docs/inventory.md is generated from the validators' key metadata and the checks' requires:
it must match the code, every key a validator accepts must be documented, and every key a check
requires must be one."""

from __future__ import annotations

import yaml

from collectors.inventory import load_inventory
from collectors.inventory.sections import KEYS, SECTIONS
from reports.catalog import load_checks
from reports.inventory_doc import example_yaml, markdown, undocumented_requires
from tests.suite import ROOT

DOC = ROOT / "docs" / "inventory.md"


def test_docs_inventory_md_is_in_step_with_the_code() -> None:
    assert DOC.read_text(encoding="utf-8") == markdown(load_checks()), (
        "docs/inventory.md is stale: run `python -m reports.inventory_doc > docs/inventory.md`"
    )


def test_every_section_is_documented_and_every_required_key_exists() -> None:
    assert [name for name, _ in SECTIONS] == list(KEYS)
    assert undocumented_requires(load_checks()) == []


def test_the_generated_example_is_a_valid_inventory(tmp_path) -> None:  # noqa: ANN001
    text = "\n".join(example_yaml()).replace("sha256:...", "sha256:" + "a" * 64) + "\n"
    path = tmp_path / "site.yaml"
    path.write_text(text)
    data = yaml.safe_load(text)
    for section, keys in KEYS.items():  # every documented key is in the example...
        for key in keys:
            if "[]" not in key.key and section != "install_config":
                value = data
                for part in key.key.split("."):
                    value = value[part]
    inventory = load_inventory(path)  # ...and the validators accept every one of them
    assert inventory.cluster_name == "ocp45" and inventory.load_balancer.ports["https"] == 443


def test_readme_links_the_inventory_doc_and_names_no_unshipped_file() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/inventory.md" in text
    assert "is in the contract" not in text and "contract.md" not in text
