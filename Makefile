# Two entry points (see README): `make demo` and `make test`. Everything goes in a local .venv.
# Another Python: `make demo PYTHON=python3.13` (the venv is made again for it).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(notdir $(PYTHON))

.PHONY: setup demo test lint benchmarks samples clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv --clear $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/kneedrive analyse sample_videos/piston_run_faults.mp4 --out out/demo --overlay

lint: $(STAMP)
	$(VENV)/bin/ruff check kneedrive_cv tests benchmarks models
	$(VENV)/bin/mypy

# The suite runs its test files on TEST_WORKERS processes (pytest-xdist), each file's tests in one of them so a
# file's rendered clips and pose tracks are made once. `make test TEST_WORKERS=0` runs it in one process.
TEST_WORKERS ?= 2

test: $(STAMP) lint
	bash tests/setup_browser.sh
	$(PY) -m pytest -q -rs -n $(TEST_WORKERS) --dist loadfile

benchmarks: $(STAMP)
	$(PY) benchmarks/speed.py
	$(PY) benchmarks/accuracy.py

samples: $(STAMP)
	$(PY) -m kneedrive_cv.synth.samples sample_videos

clean:
	rm -rf $(VENV) .venv-* out .pytest_cache .mypy_cache .ruff_cache
