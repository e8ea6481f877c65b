"""The benign catalog and the classifier, on the seed's real lines and on generated ones."""

from __future__ import annotations

import json
import re
import string
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.parsers.logs import (
    parse_any_line,
    parse_installer_line,
    parse_journal_json,
    parse_journal_text_line,
    parse_syslog_line,
)
from collectors.triage import classify as classify_module
from collectors.triage.catalog import CatalogError, load_catalog
from collectors.triage.classify import ANY_SOURCE, Classifier
from lab.journals import HAPROXY_LOG, INSTALLER_LOG, T0, bootstrap_lines

CATALOG = load_catalog()
BS = {"bootstrap": ["bs", "bs.ocp45.example.localdomain", "172.16.0.11"]}


def findings(c: Classifier) -> list[tuple[str, str, str]]:
    return sorted((f["id"], f["host"], f["key"]) for f in c.findings()["findings"])


def journal_json(
    message: str | bytes, unit: str = "bootkube.service", at: int = 0, prio: int = 6
) -> str:
    msg: object = list(message) if isinstance(message, bytes) else message
    return json.dumps(
        {
            "MESSAGE": msg,
            "_SYSTEMD_UNIT": unit,
            "PRIORITY": str(prio),
            "__REALTIME_TIMESTAMP": str(T0 + at),
        }
    )


# --------------------------------------------------------------------------- the catalog


@pytest.mark.parametrize("entry", CATALOG.entries + CATALOG.events, ids=lambda e: e.id)
def test_every_catalog_example_matches_its_entry(entry):
    assert entry.examples, f"{entry.id} has no example line"
    for line in entry.examples:
        msg = parse_installer_line(line).message if line.startswith(("DEBUG", "INFO")) else line
        msg = parse_any_line(msg).message  # journal, logfmt and haproxy prefixes taken off
        assert entry.pattern.search(msg), (entry.id, line)
        assert any(h in msg for h in entry.hints), (entry.id, "hint not in", line)


def test_every_entry_says_why_it_is_benign_and_grep_can_read_its_pattern():
    for entry in CATALOG.entries:
        assert len(entry.reason) > 30, entry.id
    for pattern in CATALOG.patterns():
        assert "?P<" not in pattern and "(?:" not in pattern


def test_a_bad_catalog_names_file_and_entry(tmp_path):
    bad = tmp_path / "catalog.yaml"
    bad.write_text(
        "errors: {pattern: 'error'}\nentries:\n"
        "  - {id: x, sources: [a], pattern: '(', hint: a, reason: r}\n"
    )
    with pytest.raises(
        CatalogError, match=r"catalog.yaml: entries\[0\] \(x\).pattern: bad regular expression"
    ):
        load_catalog(bad)
    bad.write_text(
        "errors: {pattern: 'error'}\nentries:\n"
        "  - {id: x, sources: [a], pattern: 'a', hint: 'a\"', reason: r}\n"
    )
    with pytest.raises(CatalogError, match="quotes or backslashes"):
        load_catalog(bad)
    bad.write_text(
        "errors: {pattern: 'error'}\nentries:\n  - {id: x, sources: [a], pattern: 'a', hint: a}\n"
    )
    with pytest.raises(CatalogError, match="reason"):
        load_catalog(bad)


# --------------------------------------------------------------------------- the seed's lines


def test_seed_bootkube_passes_leave_only_the_manifest_never_created():
    c = Classifier()
    lines = [
        journal_json(ln.message, ln.unit, int(ln.at * 1e6), ln.priority) for ln in bootstrap_lines()
    ]
    c.feed_lines(lines, host="bs", source="bootkube.service", fmt="journal")
    assert findings(c) == [("bootkube.manifest_failed", "bs", "cluster-ingress-02-config.yml")]
    out = c.findings()
    assert out["findings"][0]["count"] == 2
    assert out["findings"][0]["first"] == "2020-09-28T13:38:24Z"
    assert out["summary"]["resolved"] == 9 and out["summary"]["benign"] == 2


def test_seed_haproxy_log_only_the_server_that_never_came_up():
    c = Classifier(context=BS)
    c.feed_lines(HAPROXY_LOG.splitlines(), host="lb", source="haproxy", fmt="syslog")
    assert findings(c) == [("haproxy.server_down", "lb", "machine_config/m3")]
    assert c.findings()["findings"][0]["first"] == "Sep 29 16:22:11"


def test_seed_installer_waiting_for_the_api_is_benign_once_it_is_up():
    c = Classifier()
    c.feed_lines(
        INSTALLER_LOG.splitlines(), host="bastion", source="openshift-install", fmt="installer"
    )
    assert findings(c) == []
    waiting = [ln for ln in INSTALLER_LOG.splitlines() if "Still waiting" in ln]
    c = Classifier()
    c.feed_lines(waiting, host="bastion", source="openshift-install", fmt="installer")
    assert findings(c) == [("installer.waiting_for_api", "bastion", "")]
    assert c.findings()["findings"][0]["count"] == 3


def test_bootstrap_down_for_good_is_benign_only_once_bootstrap_completed():
    down = (
        "Sep 29 17:03:15 lb haproxy[1]: Server kube_api/bs is DOWN,"
        " reason: Layer4 connection problem"
    )
    c = Classifier(context=BS)
    c.feed_lines([down], host="lb", source="haproxy", fmt="syslog")
    assert findings(c) == [("haproxy.bootstrap_down", "lb", "kube_api/bs")]
    c.feed_lines(
        ["DEBUG Bootstrap status: complete"],
        host="bastion",
        source="openshift-install",
        fmt="installer",
    )
    assert findings(c) == []
    # a master that stays down is not excused by bootstrap completing
    c.feed_lines([down.replace("/bs", "/m2")], host="lb", source="haproxy", fmt="syslog")
    assert findings(c) == [("haproxy.server_down", "lb", "kube_api/m2")]


def test_kubelet_node_not_found_until_registered():
    c = Classifier()
    lines = ['E0928 13:40:12.1    1520 kubelet.go:2268] node "m1" not found'] * 3
    c.feed_lines(
        lines
        + ["I0928 13:41:00.0 1520 kubelet_node_status.go:73] Successfully registered node m1"],
        host="m1",
        source="kubelet.service",
    )
    assert findings(c) == []
    c.feed_lines(lines[:1], host="m1", source="kubelet.service")  # after registration: news
    assert findings(c) == [("kubelet.node_not_found", "m1", "m1")]


def test_a_resolve_on_another_host_does_not_count():
    c = Classifier()
    c.feed_lines(['Failed to create "a.yaml" x'], host="bs", source="bootkube.service")
    c.feed_lines(['Created "a.yaml" x'], host="m1", source="bootkube.service")
    assert findings(c) == [("bootkube.failed_to_create", "bs", "a.yaml")]


def test_unknown_errors_grouped_by_shape_with_count_and_sample():
    c = Classifier()
    c.feed_lines(
        [
            journal_json(
                "Error pulling image r:5000/a@sha256:" + "ab" * 32 + ": connection reset by peer",
                "crio.service",
                1,
            ),
            journal_json(
                "Error pulling image r:5000/a@sha256:" + "cd" * 32 + ": connection reset by peer",
                "crio.service",
                2,
            ),
            journal_json("Started container 3f2a9c", "crio.service", 3),
            journal_json("something odd", "crio.service", 4, prio=2),
        ],
        host="m1",
        source="crio.service",
        fmt="journal",
    )
    groups = sorted(c.findings()["findings"], key=lambda g: -g["count"])
    assert [(g["kind"], g["count"]) for g in groups] == [("unknown", 2), ("unknown", 1)]
    assert groups[0]["sample"].startswith("Error pulling image r:5000/a@")
    assert groups[0]["first"] == "2020-09-28T13:38:00Z" and groups[1]["sample"] == "something odd"
    assert groups[0]["id"].startswith("unknown-") and groups[0]["id"] != groups[1]["id"]


def test_known_failures_are_findings_of_their_own_id_that_point_at_checks():
    """A line of a known failure is never benign: it is a finding named by its catalog entry,
    with the checks that prove it; a node registered as localhost is one too."""
    c = Classifier()
    c.feed_lines(
        [
            journal_json(
                "Error pulling image r:5000/a@sha256:" + "ab" * 32 + ": manifest unknown",
                "crio.service",
                1,
            ),
            journal_json('node "localhost" not found', "kubelet.service", 2),
            journal_json("Successfully registered node localhost", "kubelet.service", 3),
        ],
        host="m1",
        source="kubelet.service",
        fmt="journal",
    )
    by_id = {g["id"]: g for g in c.findings()["findings"]}
    assert by_id["crio.manifest_unknown"]["kind"] == "failure"
    assert "mirror.release" in by_id["crio.manifest_unknown"]["points_to"]
    assert by_id["kubelet.registered_localhost"]["key"] == "localhost"
    assert by_id["kubelet.node_not_found"]["kind"] == "unresolved"  # localhost never resolves it
    assert "nodes.names" in by_id["kubelet.node_not_found"]["points_to"]


def test_a_journal_that_is_not_json_is_counted_and_still_read():
    c = Classifier()
    counts = c.feed_lines(
        ['Sep 28 13:38:24 bs bootkube.sh[2632]: Failed to create "a.yaml" x'],
        host="bs",
        source="bootkube.service",
        fmt="journal",
    )
    assert counts["not_json"] == 1
    assert findings(c) == [("bootkube.failed_to_create", "bs", "a.yaml")]


def test_memory_is_bounded_by_open_keys_not_lines():
    c = Classifier()
    lines = (
        f'"m{i % 50}.yaml": failed to create x'
        if i % 2 == 0
        else f'Created "m{(i - 1) % 50}.yaml" x'
        for i in range(20000)
    )
    c.feed_lines(lines, host="bs", source="bootkube.service")
    assert len(c.open) == 0 and c.stats["lines"] == 20000
    c.feed_lines(
        (f'"k{i % 7}.yaml": failed to create x' for i in range(5000)),
        host="bs",
        source="bootkube.service",
    )
    assert len(c.open) == 7


# --------------------------------------------------------------------------- properties

names = st.text(string.ascii_lowercase + string.digits + "-_.", min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(names, st.booleans()), min_size=1, max_size=30, unique_by=lambda t: t[0]))
def test_manifests_unresolved_exactly_when_never_created(manifests):
    lines = [
        journal_json(
            f'"{m}.yaml": failed to create configmaps.v1./{m} -n x: namespaces "x" not found'
        )
        for m, _ in manifests
    ]
    lines += [
        journal_json(f'Created "{m}.yaml" configmaps.v1./{m} -n x')
        for m, created in manifests
        if created
    ]
    c = Classifier()
    c.feed_lines(lines, host="bs", source="bootkube.service", fmt="journal")
    assert findings(c) == sorted(
        ("bootkube.manifest_failed", "bs", f"{m}.yaml") for m, ok in manifests if not ok
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["kube_api", "machine_config"]),
            st.sampled_from(["m1", "m2", "m3", "w1"]),
            st.booleans(),
        ),
        max_size=40,
    )
)
def test_haproxy_servers_unresolved_exactly_when_last_seen_down(events):
    lines, last = [], {}
    for backend, server, up in events:
        state = "UP" if up else "DOWN"
        lines.append(
            f"Sep 29 16:03:15 localhost haproxy[1]: Server {backend}/{server} is {state}, reason: x"
        )
        last[f"{backend}/{server}"] = up
    c = Classifier(context=BS)
    c.feed_lines(lines, host="lb", source="haproxy", fmt="syslog")
    # a DOWN before an UP is resolved; one after the last UP is open
    expected = set()
    for key in last:
        seen = [up for b, s, up in events if f"{b}/{s}" == key]
        if False in seen and not seen[-1]:
            expected.add(("haproxy.server_down", "lb", key))
    assert set(findings(c)) == expected


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_parsers_never_raise_on_garbage(raw):
    parse_journal_json(raw)
    parse_syslog_line(raw)
    parse_installer_line(raw)
    parse_journal_text_line(raw)
    parse_any_line(raw)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.binary(max_size=200), max_size=20),
    st.sampled_from(["journal", "journal-text", "syslog", "installer", "text", "auto"]),
)
def test_classifier_never_crashes_on_binary_lines(lines, fmt):
    c = Classifier()
    c.feed_lines(
        lines + [b"\x00\xff\xfe error \x80 failed"], host="h", source="bootkube.service", fmt=fmt
    )
    out = c.findings()
    json.dumps(out)
    assert out["summary"]["lines"] == len(lines) + 1


@settings(max_examples=100, deadline=None)
@given(
    st.text(max_size=200),
    st.sampled_from(["bootkube.service", "crio.service"]),
    st.integers(0, 7),
    st.integers(0, 2**52),
)
def test_journal_json_round_trip(message, unit, prio, micros):
    line = json.dumps(
        {
            "MESSAGE": message,
            "_SYSTEMD_UNIT": unit,
            "PRIORITY": str(prio),
            "__REALTIME_TIMESTAMP": str(micros),
        }
    )
    rec = parse_journal_json(line)
    assert rec is not None
    assert rec.message == message.rstrip("\r\n") and rec.unit == unit and rec.priority == prio
    assert rec.time is None or re.fullmatch(r"\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rec.time)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=100))
def test_journal_binary_message_as_byte_array(data):
    rec = parse_journal_json(journal_json(data))
    assert rec is not None and rec.message == data.decode("utf-8", "replace").rstrip("\r\n")


@settings(max_examples=100, deadline=None)
@given(
    st.text(
        string.printable.replace("\n", "")
        .replace("\r", "")
        .replace("\x0b", "")
        .replace("\x0c", ""),
        max_size=120,
    ),
    st.sampled_from(["haproxy", "bootkube.sh"]),
    st.integers(1, 99999),
)
def test_syslog_lines_give_back_their_message(message, ident, pid):
    rec = parse_syslog_line(f"Sep 29 16:03:15 localhost {ident}[{pid}]: {message}")
    assert rec.time == "Sep 29 16:03:15" and rec.unit == ident and rec.message == message


@settings(max_examples=100, deadline=None)
@given(
    st.text(max_size=120).filter(lambda s: "\n" not in s and "\r" not in s),
    st.sampled_from(["debug", "info", "warning", "error", "fatal"]),
)
def test_installer_logfmt_lines_give_back_their_message(message, level):
    line = f'time="2020-09-23T04:18:08-04:00" level={level} msg={json.dumps(message)}'
    rec = parse_installer_line(line)
    assert rec.message == message and rec.level == level and rec.time == "2020-09-23T04:18:08-04:00"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    '"a.yaml": failed to create x',
                    'Created "a.yaml" x',
                    '"b.yaml": failed to create x',
                    'E0928 kubelet.go:1] node "m1" not found',
                    "Successfully registered node m1",
                    "ERROR: disk full",
                    "Sep 29 16:03:15 lb haproxy[1]: Server kube_api/m1 is DOWN",
                    "plain info line",
                ]
            ).map(lambda m: journal_json(m, at=1)),
            st.binary(max_size=80).map(lambda b: b.replace(b"\n", b" ").decode("latin-1")),
        ),
        max_size=40,
    ),
    st.sampled_from(["journal", "text"]),
    st.sampled_from([1, 7, 64, classify_module.BLOCK]),
)
def test_feed_file_with_grep_or_blocks_agrees_with_feed_lines(tmp_path_factory, lines, fmt, block):
    """Blocks smaller than a line, and lines across blocks, give the same findings."""
    path = tmp_path_factory.mktemp("ff") / "log"
    path.write_bytes("".join(ln + "\n" for ln in lines).encode("latin-1", "replace"))
    a, b, c = Classifier(), Classifier(), Classifier()
    with open(path, "rb") as fh:
        ca = a.feed_lines(fh, host="h", source="bootkube.service", fmt=fmt)
    cb = b.feed_file(path, host="h", source="bootkube.service", fmt=fmt)
    with mock.patch.object(classify_module, "BLOCK", block):
        cc = c.feed_file(path, host="h", source="bootkube.service", fmt=fmt, use_grep=False)
    assert (b.sources[0]["prefilter"], c.sources[0]["prefilter"]) == ("grep", "python")
    assert ca == cb == cc
    assert a.findings()["findings"] == b.findings()["findings"] == c.findings()["findings"]


# --------------------------------------------------------------------------- real forms (issue 11)

MONTHS = st.sampled_from(["Jan", "Feb", "Mar", "Sep", "Nov", "Dec"])
# message text: printable, no line breaks, not starting with a space or haproxy's "[" prefix
messages = st.text(
    string.ascii_letters + string.digits + " _-./:=\"'(){}<>!,", min_size=1, max_size=80
).filter(lambda m: not m[0].isspace() and not m.startswith("["))


@st.composite
def journal_times(draw) -> str:
    """A time in one of journalctl's short forms: short, short-precise, short-iso(-precise)."""
    day, hh, mm, ss = (draw(st.integers(lo, hi)) for lo, hi in ((1, 31), (0, 23), (0, 59), (0, 59)))
    frac = draw(st.sampled_from(["", ".123456", ".5", ".000001"]))
    if draw(st.booleans()):
        return f"{draw(MONTHS)} {day:2d} {hh:02d}:{mm:02d}:{ss:02d}{frac}"
    zone = draw(st.sampled_from(["+0000", "+00:00", "-0400", "Z"]))
    return f"2024-01-{day:02d}T{hh:02d}:{mm:02d}:{ss:02d}{frac}{zone}"


@settings(max_examples=150, deadline=None)
@given(
    journal_times(),
    st.text(string.ascii_lowercase + string.digits + "-.", min_size=1, max_size=40),
    st.sampled_from(["kubenswrapper", "hyperkube", "bootkube.sh", "haproxy", "crio", "systemd"]),
    st.integers(1, 4_194_304),
    messages,
)
def test_journal_text_lines_round_trip_time_host_unit_message(when, host, unit, pid, message):
    line = f"{when} {host} {unit}[{pid}]: {message}"
    for rec in (parse_journal_text_line(line), parse_any_line(line.encode())):
        assert (rec.time, rec.host, rec.unit, rec.message) == (when, host, unit, message)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(["WARNING", "ALERT", "NOTICE", "EMERG"]),
    st.integers(1, 4_194_304),
    st.one_of(st.none(), st.tuples(st.integers(1, 366), st.integers(0, 235959))),
    messages,
    st.booleans(),
)
def test_haproxy_stderr_prefix_taken_off_in_both_versions(level, pid, date, message, in_journal):
    # 2.x pads the level to 9 characters and has no date; 1.x has day-of-year/HHMMSS
    if date is None:
        prefix = f"[{level}]".ljust(10) + f" ({pid}) : "
    else:
        prefix = f"[{level}] {date[0]:03d}/{date[1]:06d} ({pid}) : "
    line = prefix + message
    if in_journal:
        line = f"May 08 10:04:29 lb haproxy[{pid}]: {line}"
    rec = parse_any_line(line)
    assert (rec.message, rec.level) == (message, level.lower())
    assert rec.unit == ("haproxy" if in_journal else None)


@settings(max_examples=100, deadline=None)
@given(
    st.text(max_size=120).filter(lambda s: "\n" not in s and "\r" not in s),
    st.sampled_from(["debug", "info", "warning", "error", "fatal"]),
)
def test_installer_logfmt_without_time_gives_back_its_message(message, level):
    rec = parse_installer_line(f"level={level} msg={json.dumps(message)}")
    assert (rec.message, rec.level, rec.time) == (message, level, None)
    assert parse_any_line(f"level={level} msg={json.dumps(message)}") == rec


HAPROXY_FORMS = {
    "syslog": "Sep 29 16:03:15 lb haproxy[1]: {msg}",
    "journal-2.x": "May 08 10:04:29 lb haproxy[332602]: [WARNING]  (332602) : {msg}",
    "stderr-2.x": "[WARNING]  (4494) : {msg}",
    "stderr-1.x": "[WARNING] 071/085241 (29884) : {msg}",
}


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["kube_api", "machine_config", "ingress_https"]),
            st.sampled_from(["m1", "m2", "w1"]),
            st.sampled_from(["down", "up", "check_failed", "check_up"]),
            st.sampled_from(sorted(HAPROXY_FORMS)),
        ),
        max_size=40,
    )
)
def test_haproxy_state_in_any_form_resolved_by_up_in_any_form(events):
    """A server DOWN (or a failed check) is open until that server is UP (or passes a check
    with status UP), whichever form each line is written in."""
    words = {
        "down": "Server {k} is DOWN, reason: Layer4 connection problem, check duration: 0ms.",
        "up": "Server {k} is UP, reason: Layer4 check passed, check duration: 0ms.",
        "check_failed": "Health check for server {k} failed, reason: Layer4 timeout, "
        "check duration: 2001ms, status: 0/2 DOWN.",
        "check_up": "Health check for server {k} succeeded, reason: Layer4 check passed, "
        "check duration: 0ms, status: 3/3 UP.",
    }
    lines, state = [], {}
    for backend, server, what, form in events:
        key = f"{backend}/{server}"
        lines.append(HAPROXY_FORMS[form].format(msg=words[what].format(k=key)))
        kind = {"down": "haproxy.server_down", "check_failed": "haproxy.health_check_failed"}
        if what in kind:
            state.setdefault(key, set()).add(kind[what])
        else:
            state.pop(key, None)
    c = Classifier(context=BS)
    c.feed_lines(lines, host="lb", source="haproxy", fmt="syslog")
    expected = {(eid, "lb", key) for key, ids in state.items() for eid in ids}
    assert set(findings(c)) == expected


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["m1", "sno", "z-k8s-m-1"]),
            st.booleans(),  # registered (else: not found)
            st.booleans(),  # structured klog (else: klog text)
        ),
        max_size=30,
    )
)
def test_kubelet_node_not_found_open_until_registered_in_either_form(events):
    lines, waiting = [], set()
    for node, registered, structured in events:
        if registered:
            msg = (
                f'I0711 09:06:43.2 437 kubelet_node_status.go:73] "Successfully registered node"'
                f' node="{node}"'
                if structured
                else f"I0928 13:41:00.0 1520 kubelet_node_status.go:73] Successfully registered"
                f" node {node}"
            )
            waiting.discard(node)
        else:
            msg = (
                f'E0711 09:06:40.4 437 kubelet.go:2424] "Error getting node" err="node \\"{node}\\"'
                f' not found"'
                if structured
                else f'E0928 13:40:12.1 1520 kubelet.go:2268] node "{node}" not found'
            )
            waiting.add(node)
        lines.append(f"Jul 11 09:06:40 h kubenswrapper[437]: {msg}")
    c = Classifier()
    c.feed_lines(lines, host="h", source=ANY_SOURCE, fmt="journal-text")
    assert set(findings(c)) == {("kubelet.node_not_found", "h", n) for n in waiting}


def test_installer_waits_and_degraded_operators_are_benign_once_install_completes():
    lines = [
        'time="2022-02-07T00:19:30+08:00" level=debug msg="Still waiting for the cluster to'
        ' initialize: Cluster operator authentication is reporting a failure: x"',
        'level=error msg="Cluster operator console Degraded is True with RouteHealth_FailedGet"',
    ]
    c = Classifier()
    c.feed_lines(lines, host="bastion", source="openshift-install", fmt="installer")
    assert findings(c) == [
        ("installer.operator_degraded", "bastion", ""),
        ("installer.waiting_for_cluster", "bastion", ""),
    ]
    c.feed_lines(
        ['level=info msg="Install complete!"'],
        host="bastion",
        source="openshift-install",
        fmt="installer",
    )
    assert findings(c) == [] and c.stats["resolved"] == 2


def test_bootkube_waits_for_its_own_api_until_it_is_up():
    wait = (
        "Jan 16 21:00:50 bs bootkube.sh[5541]: Still waiting for the Kubernetes API: Get"
        ' "https://localhost:6443/readyz": dial tcp [::1]:6443: connect: connection refused'
    )
    c = Classifier()
    c.feed_lines([wait, wait], host="bs", source="bootkube.service", fmt="journal-text")
    assert findings(c) == [("bootkube.waiting_for_api", "bs", "")]
    c.feed_lines(
        ["Jan 16 21:01:06 bs bootkube.sh[5541]: API is up"],
        host="bs",
        source="bootkube.service",
        fmt="journal-text",
    )
    assert findings(c) == []


def test_kubelet_flag_lines_are_not_errors_but_a_real_error_after_them_is():
    lines = [
        "Jun 26 19:05:10 w1 hyperkube[5492]: I0626 19:05:10.422027    5492 flags.go:33]"
        ' FLAG: --fail-swap-on="true"',
        "Jun 26 19:05:10 w1 hyperkube[5492]: I0626 19:05:10.422272    5492 flags.go:33]"
        ' FLAG: --runtime-request-timeout="2m0s"',
        "Jun 26 19:05:11 w1 hyperkube[5492]: E0626 19:05:11.1    5492 server.go:302]"
        ' "Failed to run kubelet" err="failed to run Kubelet: --fail-swap-on=true"',
    ]
    c = Classifier()
    c.feed_lines(lines, host="w1", source="kubelet.service", fmt="journal-text")
    out = c.findings()
    assert out["summary"]["benign"] == 2
    assert [f["kind"] for f in out["findings"]] == ["unknown"]
    assert out["findings"][0]["sample"].startswith(
        'E0626 19:05:11.1    5492 server.go:302] "Failed'
    )


def test_feed_streams_keeps_apis_of_feed_lines_and_names_each_origin(tmp_path):
    kubelet = tmp_path / "kubelet_service.log"
    kubelet.write_text(
        "Mar 12 10:11:12.123456 m1 kubenswrapper[9]: E0312 10:11:12.1 9 kubelet.go:2471]"
        ' "Error getting node" err="node \\"m1\\" not found"\n'
    )
    c = Classifier()
    with open(kubelet, "rb") as fh:
        total = c.feed_streams(
            [
                ("host_service_logs/masters/kubelet_service.log", "m1", "kubelet.service", fh),
                (
                    "hosts/lb/haproxy.log",
                    "lb",
                    "haproxy",
                    ["[ALERT]    (1) : backend 'a' has no server available!"],
                ),
            ]
        )
    assert total == {"lines": 2, "examined": 2, "not_json": 0}
    assert [s["origin"] for s in c.sources] == [
        "host_service_logs/masters/kubelet_service.log",
        "hosts/lb/haproxy.log",
    ]
    assert findings(c) == [("haproxy.no_server", "lb", "a"), ("kubelet.node_not_found", "m1", "m1")]
    first = c.findings()["findings"][1]
    assert first["first"] == "Mar 12 10:11:12.123456"


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=80)
    | st.lists(
        st.sampled_from(["Error", "FAILED", "un", "fail", "ed", " ", "Timed Out", "x", "\u212a"])
    ).map("".join)
)
def test_fast_error_search_agrees_with_the_catalog_pattern(message):
    assert CATALOG.error_search(message) == (CATALOG.error_pattern.search(message) is not None)


def test_a_node_registered_under_a_name_the_inventory_lacks_is_a_finding():
    """With the inventory's names as context, a registration under another name is a finding;
    an inventory node's is not; without an inventory nothing is judged."""
    lines = [
        journal_json("Successfully registered node w1.c.example", "kubelet.service", 1),
        journal_json('"Successfully registered node" node="oddname"', "kubelet.service", 2),
    ]
    c = Classifier(context={"nodes": ["w1", "w1.c.example", "10.0.0.31"]})
    c.feed_lines(lines, host="w1", source="kubelet.service", fmt="journal")
    found = [(g["id"], g["key"]) for g in c.findings()["findings"]]
    assert found == [("kubelet.registered_unknown", "oddname")]
    blind = Classifier()
    blind.feed_lines(lines, host="w1", source="kubelet.service", fmt="journal")
    assert blind.findings()["findings"] == []
