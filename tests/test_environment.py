"""The project's packaging: environment.yml and pyproject.toml must agree."""

from __future__ import annotations

import re

import tomllib
import yaml

from inpaintlib.paths import REPO_ROOT

#: conda-forge names that differ from the PyPI names in pyproject.toml
CONDA_TO_PYPI = {"pytorch": "torch", "py-opencv": "opencv-python-headless"}


def _name(requirement: str) -> str:
    name = re.split(r"[<>=!~\[ ;#]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def test_environment_yml_names_the_same_packages_as_pyproject():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    pip_names = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]}

    env = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    conda_names, pip_section = set(), []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_section += dep["pip"]
        elif _name(dep) not in ("python", "pip"):
            conda_names.add(CONDA_TO_PYPI.get(_name(dep), _name(dep)))
    conda_names |= {_name(r) for r in pip_section if not r.startswith("-e")}
    assert conda_names == pip_names, (
        f"only in environment.yml: {sorted(conda_names - pip_names)}; "
        f"only in pyproject.toml: {sorted(pip_names - conda_names)}")


def test_lock_pins_every_dependency_exactly():
    lock = {}
    for line in (REPO_ROOT / "requirements-lock.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"lock line {line!r} is not an exact pin"
            lock[_name(name)] = version
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    for req in project["dependencies"] + project["optional-dependencies"]["test"]:
        assert _name(req) in lock, f"{req} is not pinned in requirements-lock.txt"
    assert lock["torch"] == "2.13.0"
    assert int(lock["setuptools"].split(".")[0]) < 81


def test_readme_setup_without_make_installs_what_make_installs():
    """The README's plain ``venv`` + ``pip`` route (which ``.ci/run`` executes line by line on a
    fresh clone) installs the same lock and the same editable package as ``make setup``."""
    readme = (REPO_ROOT / "README.md").read_text()
    assert "<!-- setup-without-make -->" in readme, "the README lost the marker that .ci/run reads"
    block = readme.split("<!-- setup-without-make -->", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [re.sub(r"\s{2,}#.*$", "", line) for line in block.strip().splitlines()]
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert commands[0] == "python3 -m venv .venv"                  # Linux and macOS name it python3
    windows = readme.split("<!-- setup-without-make -->", 1)[1].split("```bat", 1)[1].split("```", 1)[0]
    as_windows = [c.replace(".venv/bin/", ".venv\\Scripts\\") for c in commands[1:]]
    assert as_windows == windows.strip().splitlines()[1:], "the Windows lines must say what the others say"
    for args in ("install -r requirements-lock.txt", "install --no-deps --no-build-isolation -e ."):
        assert f".venv/bin/pip {args}" in commands, f"README set-up lacks `pip {args}`"
        assert re.search(r"-m pip install --quiet " + re.escape(args.split("install ")[1]), makefile), \
            f"make setup no longer runs `pip {args}`: update the README's set-up"
    assert "setup-without-make" in (REPO_ROOT / ".ci" / "run").read_text(), (".ci/run no longer runs the "
                                                                             "README set-up")
