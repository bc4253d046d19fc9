"""Per-sandbox cgroups: the v2 layouts against a simulated cgroup tree, v1 on this host (real).

The simulated tree is a temp directory whose files stand for the kernel's (cgroup.controllers,
cgroup.subtree_control, cgroup.procs, cgroup.events, memory.max, pids.max) and whose writes
follow the kernel's rules: a controller is enabled for children only if the group has it, a
group other than the real root cannot enable any while it holds processes, and a group's
limit files appear only when its parent enables their controller.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import threading
from pathlib import Path

import pytest

from graders import doctor
from graders.errors import SandboxError
from graders.limits import Limits
from graders.sandbox import cgroups, sandbox

ALL = "cpuset cpu io memory hugetlb pids rdma misc"
ME = str(os.getpid())


class FakeKernel:
    """A cgroup2 tree in a directory, written to through ``cgroups._write`` and friends."""

    def __init__(self, tmp: Path, real_root: bool = True) -> None:
        self.root = tmp / "cgroup"
        self.self_file = tmp / "self-cgroup"
        self.real_root = real_root
        self.freeze_lag = 0.0
        self.root.mkdir()
        self._init(self.root, ALL)

    def _init(self, group: Path, controllers: str) -> None:
        for name, text in [
            ("cgroup.controllers", controllers),
            ("cgroup.subtree_control", ""),
            ("cgroup.procs", ""),
            ("cgroup.events", "populated 0\nfrozen 0\n"),
            ("cgroup.freeze", "0"),
            ("cgroup.kill", ""),
        ]:
            (group / name).write_text(text)
        self._limit_files(group, controllers.split())

    @staticmethod
    def _limit_files(group: Path, controllers: list[str]) -> None:
        if "memory" in controllers:
            for name, text in [("memory.max", "max"), ("memory.events", "oom_kill 0\n")]:
                if not (group / name).exists():
                    (group / name).write_text(text)
        if "pids" in controllers and not (group / "pids.max").exists():
            (group / "pids.max").write_text("max")

    def place(self, path: str, pids: list[str], controllers: str | None = None) -> Path:
        """A group at ``path`` holding ``pids``; this process's cgroup if it holds ours."""
        group = self.root / path.strip("/")
        if group != self.root:
            group.mkdir(parents=True)
            self._init(group, controllers if controllers is not None else ALL)
        (group / "cgroup.procs").write_text("\n".join(pids))
        if ME in pids:
            self.self_file.write_text(f"0::/{path.strip('/')}\n")
        return group

    def procs(self, group: Path) -> list[str]:
        return (group / "cgroup.procs").read_text().split()

    def mkdir(self, path: Path) -> None:
        path.mkdir()  # FileExistsError as the kernel's
        self._init(path, (path.parent / "cgroup.subtree_control").read_text())

    def rmdir(self, path: Path) -> None:
        if self.procs(path) or any(p.is_dir() for p in path.iterdir()):
            raise OSError(errno.EBUSY, "busy", str(path))
        shutil.rmtree(path)

    def write(self, path: Path, value: str) -> None:
        group = path.parent
        exempt = group == self.root and self.real_root
        if path.name == "cgroup.subtree_control":
            have = (group / "cgroup.controllers").read_text().split()
            enabled = (group / "cgroup.subtree_control").read_text().split()
            for token in value.split():
                if token[1:] not in have:
                    raise OSError(errno.ENOENT, "no such controller", str(path))
                if self.procs(group) and not exempt:
                    raise OSError(errno.EBUSY, "internal processes", str(path))
                enabled.append(token[1:])
            path.write_text(" ".join(enabled))
            for child in (p for p in group.iterdir() if p.is_dir()):
                (child / "cgroup.controllers").write_text(" ".join(enabled))
                self._limit_files(child, enabled)
        elif path.name == "cgroup.procs":
            if (group / "cgroup.subtree_control").read_text().split() and not exempt:
                raise OSError(errno.EBUSY, "has children with controllers", str(path))
            for procs in self.root.rglob("cgroup.procs"):
                procs.write_text("\n".join(p for p in procs.read_text().split() if p != value))
            path.write_text("\n".join([*self.procs(group), value]))
            if value == ME:
                self.self_file.write_text(f"0::/{group.relative_to(self.root)}\n")
        elif path.name == "cgroup.freeze":
            path.write_text(value)
            frozen = f"populated 1\nfrozen {value}\n"
            events = group / "cgroup.events"
            threading.Timer(self.freeze_lag, events.write_text, [frozen]).start()
        elif path.name == "cgroup.kill":
            (group / "cgroup.procs").write_text("")
        else:
            path.write_text(value)


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeKernel:
    kernel = FakeKernel(tmp_path)
    monkeypatch.setattr(cgroups, "CGROUP_ROOT", kernel.root)
    monkeypatch.setattr(cgroups, "PROC_SELF_CGROUP", kernel.self_file)
    monkeypatch.setattr(cgroups, "_write", kernel.write)
    monkeypatch.setattr(cgroups, "_mkdir", kernel.mkdir)
    monkeypatch.setattr(cgroups, "_rmdir", kernel.rmdir)
    return kernel


def limits_hold(group: cgroups.CgroupSet) -> None:
    group.set_limits(2 * 2**30, 64)
    assert group.read_limits() == (2 * 2**30, 64)


def test_v2_root_with_empty_subtree_control_gets_controllers_enabled(fake: FakeKernel) -> None:
    fake.place("/", [ME, "1"])
    group = cgroups.create("abc")
    assert group.path == fake.root / "markwell" / "abc"
    assert "memory" in (fake.root / "cgroup.subtree_control").read_text().split()
    assert (fake.root / "markwell" / "cgroup.subtree_control").read_text().split() == [
        "memory",
        "pids",
    ]
    limits_hold(group)
    assert fake.procs(fake.root) == [ME, "1"]  # the real root may hold processes
    assert cgroups.layout() == "v2 root"
    assert cgroups.probe() is None
    group.destroy()
    assert not group.path.exists()


def test_v2_service_cgroup_holding_processes_moves_them_into_a_leaf(fake: FakeKernel) -> None:
    fake.place("/system.slice", [])
    fake.root.joinpath("system.slice", "cgroup.subtree_control").write_text("memory pids")
    service = fake.place("/system.slice/markwell.service", [ME, "4242"], "memory pids")
    group = cgroups.create("abc")
    assert fake.procs(service) == []
    assert fake.procs(service / cgroups.LEAF) == [ME, "4242"]
    assert group.path == service / "markwell" / "abc"
    limits_hold(group)
    assert cgroups.layout() == "v2 delegated leaf"
    # Later groups are siblings under the same parent, not nested in the leaf.
    second = cgroups.create("def")
    assert second.path == service / "markwell" / "def"
    found = cgroups.existing("abc")
    assert found is not None and found.path == group.path
    group.destroy()
    second.destroy()


def test_v2_cgroup_namespace_root_is_not_exempt_and_moves_into_a_leaf(
    tmp_path: Path, fake: FakeKernel
) -> None:
    fake.real_root = False  # a container's /sys/fs/cgroup: its root obeys the rule
    fake.place("/", [ME, "1"])
    group = cgroups.create("abc")
    assert fake.procs(fake.root / cgroups.LEAF) == [ME, "1"]
    assert group.path == fake.root / "markwell" / "abc"
    limits_hold(group)
    assert cgroups.layout() == "v2 delegated leaf"
    group.destroy()


def test_v2_without_delegated_controllers_names_the_cause_and_delegate_yes(
    fake: FakeKernel,
) -> None:
    fake.place("/system.slice/markwell.service", [ME], "cpu io")
    assert cgroups.layout() == "v2 without controllers"
    with pytest.raises(cgroups.CgroupUnavailable) as caught:
        cgroups.create("abc")
    assert "memory and pids not available" in str(caught.value)
    assert "Delegate=yes" in caught.value.fix
    problem = cgroups.probe()
    assert problem is not None and "Delegate=yes" in problem[1]


def test_v2_group_without_limit_files_is_refused(
    fake: FakeKernel, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.place("/", [ME])
    monkeypatch.setattr(fake, "_limit_files", lambda group, controllers: None)
    with pytest.raises(cgroups.CgroupUnavailable, match=r"memory\.max and pids\.max"):
        cgroups.create("abc")
    assert not (fake.root / "markwell" / "abc").exists()


def test_v2_cgroup_missing_from_the_mount_is_named(fake: FakeKernel) -> None:
    fake.self_file.write_text("0::/somewhere/else\n")
    with pytest.raises(cgroups.CgroupUnavailable, match="cgroup namespace"):
        cgroups.create("abc")


def test_v2_kill_all_waits_for_frozen_before_taking_its_snapshot(
    fake: FakeKernel, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.place("/", [ME])
    group = cgroups.create("abc")
    (group.path / "cgroup.procs").write_text("777\n778")
    fake.freeze_lag = 0.2
    seen: list[str] = []
    monkeypatch.setattr(
        os, "kill", lambda pid, sig: seen.append((group.path / "cgroup.events").read_text())
    )
    group.kill_all(keep=frozenset({778}))
    assert seen == ["populated 1\nfrozen 1\n"]


def test_sandbox_fallback_to_rlimits_is_logged_with_its_cause(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(name: str) -> cgroups.CgroupSet:
        raise cgroups.CgroupUnavailable("cgroup v2: memory not available here", "delegate it")

    monkeypatch.setattr(cgroups, "create", refuse)
    with caplog.at_level(logging.WARNING, logger="graders.sandbox.sandbox"):
        assert sandbox._cgroup_for("abc", Limits(), required=False) is None
    assert "rlimits only: cgroup v2: memory not available here" in caplog.text
    with pytest.raises(SandboxError) as caught:
        sandbox._cgroup_for("abc", Limits(), required=True)
    assert caught.value.fix == "delegate it"


@pytest.mark.skipif(cgroups._is_v2(), reason="this host runs cgroup v2")
def test_v1_on_this_host_creates_groups_whose_limits_hold() -> None:
    assert cgroups.layout() == "v1"
    assert cgroups.probe() is None
    group = cgroups.create(f"test-{os.getpid()}")
    try:
        limits_hold(group)
        assert set(group.dirs) == {"memory", "pids", "freezer"}
        found = cgroups.existing(group.name)
        assert found is not None and found.dirs == group.dirs
    finally:
        group.destroy()
    assert not any(d.exists() for d in group.dirs.values())


def test_doctor_names_the_delegated_leaf_layout_and_passes(fake: FakeKernel) -> None:
    fake.place("/system.slice/markwell.service", [ME], "memory pids")
    finding = doctor._cgroup_finding()
    assert finding.ok, finding
    assert f"leaf {cgroups.LEAF}" in finding.detail
    assert "limits set and read back" in finding.detail


def test_doctor_fails_v2_without_controllers_and_says_what_to_fix(fake: FakeKernel) -> None:
    fake.place("/system.slice/markwell.service", [ME], "cpu io")
    finding = doctor._cgroup_finding()
    assert not finding.ok
    assert "without the memory and pids controllers" in finding.detail
    assert "rlimits" in finding.detail and "Delegate=yes" in finding.fix


def test_doctor_fails_when_a_limit_does_not_hold(
    fake: FakeKernel, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Groups can be made but memory.max ignores writes: creating a group is not enough.
    fake.place("/", [ME])
    write = fake.write
    monkeypatch.setattr(
        cgroups, "_write", lambda p, v: None if p.name == "memory.max" else write(p, v)
    )
    finding = doctor._cgroup_finding()
    assert not finding.ok and "read back" in finding.detail


@pytest.mark.skipif(cgroups._is_v2(), reason="this host runs cgroup v2")
def test_doctor_on_this_host_finds_v1_limits_that_hold() -> None:
    finding = doctor._cgroup_finding()
    assert finding.ok and finding.detail.startswith("cgroup v1:"), finding
