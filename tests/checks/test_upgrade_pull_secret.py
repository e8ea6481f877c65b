"""upgrade.pull_secret evaluated directly, and the reader that keeps host names only."""

from __future__ import annotations

import base64
import json

import pytest

from checks.upgrade import evaluate_pull_secret
from collectors.errors import FactError, InputError
from collectors.facts.upgrade import PullSecretFacts, pull_secret_keys

AUTH = base64.b64encode(b"mirroruser:Sup3r-s3cret-VALUE").decode()


def secret(auths: dict) -> dict:
    doc = json.dumps({"auths": auths}).encode()
    return {
        "metadata": {"name": "pull-secret", "namespace": "openshift-config"},
        "data": {".dockerconfigjson": base64.b64encode(doc).decode()},
    }


def test_the_mirror_entry_passes_and_only_keys_are_kept() -> None:
    keys = pull_secret_keys(
        secret(
            {"quay.io": {"auth": AUTH, "email": "me@example.com"}, "m.example:5000": {"auth": AUTH}}
        ),
        "secret x",
    )
    assert keys == ("quay.io", "m.example:5000")
    v = evaluate_pull_secret(PullSecretFacts("m.example:5000", keys))
    assert v.ok and "m.example:5000" in v.message
    namespaced = evaluate_pull_secret(PullSecretFacts("m.example:5000", ("m.example:5000/ocp4",)))
    assert namespaced.ok


def test_no_entry_or_another_port_fails_naming_the_keys_and_the_fix() -> None:
    v = evaluate_pull_secret(PullSecretFacts("m.example:5000", ("quay.io", "m.example")))
    assert not v.ok
    assert "2 auths key(s): quay.io, m.example; m.example name(s) the host with another port" in (
        v.message
    )
    assert "oc registry login --registry=m.example:5000" in v.remediation
    assert "oc set data secret/pull-secret -n openshift-config" in v.remediation


def test_a_redacted_secret_says_where_to_read_it() -> None:
    with pytest.raises(FactError) as err:
        pull_secret_keys({"data": {".dockerconfigjson": "REDACTED"}}, "secret x")
    assert "REDACTED in this snapshot" in str(err.value)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {".dockerconfigjson": "!!notbase64"},
        {
            ".dockerconfigjson": base64.b64encode(
                b'{"auths": "x", "p": "' + AUTH.encode() + b'"}'
            ).decode()
        },
        {".dockerconfigjson": base64.b64encode(b"{" + AUTH.encode()).decode()},
    ],
)
def test_malformed_secrets_are_errors_that_never_quote_the_secret(data: dict) -> None:
    with pytest.raises(InputError) as err:
        pull_secret_keys({"data": data}, "secret openshift-config/pull-secret")
    assert "secret openshift-config/pull-secret" in str(err.value)
    assert AUTH not in str(err.value) and "Sup3r" not in str(err.value)
