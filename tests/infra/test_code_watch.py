"""A function worker notices edited and added code before each invocation without walking its folders."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from cfp_tools.local.functions import CodeWatch


def _touch(path: Path, mtime: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("X = 1\n")
    os.utime(path, (mtime, mtime))


def test_edits_and_new_files_are_seen_and_folders_are_walked_only_when_they_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, layer = tmp_path / "code", tmp_path / "layer"
    _touch(code / "app.py", 1000)
    _touch(layer / "pkg" / "model.py", 2000)
    (layer / "notes.txt").write_text("not code")
    os.utime(layer / "notes.txt", (9000, 9000))
    walks: list[str] = []
    walk = os.walk

    def counted(top: str, *args: Any, **kwargs: Any) -> Any:
        walks.append(top)
        return walk(top, *args, **kwargs)

    monkeypatch.setattr(os, "walk", counted)
    watch = CodeWatch((code, layer))

    assert watch.newest() == 2000
    assert watch.newest() == watch.newest() == 2000
    assert len(walks) == 2, "one walk per root, once"

    os.utime(code / "app.py", (3000, 3000))
    assert watch.newest() == 3000, "an edit in place is seen without a walk"
    assert len(walks) == 2

    _touch(layer / "pkg" / "sub" / "added.py", 4000)
    assert watch.newest() == 4000, "a file in a new folder is found"
    (code / "app.py").unlink()
    assert watch.newest() == 4000
