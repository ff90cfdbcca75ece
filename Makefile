# The course's entry points. `make run` and `make test` do all the set-up themselves:
# they create .venv (if missing or out of date) and install the locked dependencies.
#
#   make run                  execute every notebook headless (quick profile) into runs/quick/ (figures too)
#   make run PROFILE=paper    the paper's settings (GPU and STL-10 expected)
#   make test                 unit tests + nbval over notebooks/
#   make lab                  JupyterLab on notebooks/
#   make gpu-check            on a GPU machine: CUDA tests + Table 1 speed ratios (COMPILE=1 adds torch.compile)
#   make pretrained           retrain and re-export the reference checkpoints (hours on a CPU)
#   make notebooks            re-execute the committed notebooks and their solutions in place (maintainers)
#   make assignments          student notebooks + autograder zips into runs/assignments/ (otter-grader; ONLY="A1 A3")
#   make site                 the course website: executed notebooks as HTML into runs/site/html/ (no re-execution),
#                             and its Try it page (references exported to ONNX; ONNX Runtime Web via npm ci)
#   make student-release      what students receive, into runs/student-release/ (no solutions, no hidden tests)
#   make lock                 re-resolve pyproject.toml into requirements-lock.txt

PYTHON  ?= python3
VENV    ?= .venv
PROFILE ?= quick
ONLY    ?=
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed

.PHONY: setup run test gpu-check lab notebooks pretrained assignments student-release site lock clean

setup: $(STAMP)

# Re-install whenever the lock or the package metadata changes.
$(STAMP): requirements-lock.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Python >= 3.10 needed, found " + sys.version.split()[0]'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements-lock.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@
	@echo "Environment ready in $(VENV)/"

run: setup
	$(PY) -m inpaintlib run-notebooks --profile $(PROFILE) $(if $(ONLY),--only $(ONLY),)

test: setup
	$(PY) -m pytest

gpu-check: setup
	$(PY) -m inpaintlib gpu-check $(if $(COMPILE),--compile,)

pretrained: setup
	$(PY) -m inpaintlib pretrained build $(if $(ONLY),--only $(ONLY),)

assignments: setup
	$(PY) -m inpaintlib assignments $(if $(ONLY),--only $(ONLY),)

student-release: setup
	$(PY) -m inpaintlib student-release

site: setup
	$(PY) -m inpaintlib site

lab: setup
	$(VENV)/bin/jupyter lab notebooks/

notebooks: setup
	$(PY) -m inpaintlib run-notebooks --in-place $(if $(ONLY),--only $(ONLY),)
	$(PY) -m inpaintlib run-notebooks --in-place --notebooks-dir notebooks/solutions $(if $(ONLY),--only $(ONLY),)

lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet torch==2.13.0 && .lock-venv/bin/pip install --quiet ".[test]"
	{ echo "# Exact versions installed by \`make run\` / \`make test\` (regenerate with \`make lock\`)."; \
	  echo "# torch is the CPU build where a local wheel is offered, the CUDA build from PyPI elsewhere."; \
	  .lock-venv/bin/pip freeze --exclude inpaintlib | sed -e 's/^torch==\([0-9.]*\)+.*/torch==\1/'; \
	  .lock-venv/bin/pip list --format=freeze | grep '^setuptools=='; } > requirements-lock.txt
	rm -rf .lock-venv

clean:
	rm -rf runs/ .pytest_cache .hypothesis
