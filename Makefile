# One task runner for people and CI. `make run` and `make test` are the README's two commands.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export QT_QPA_PLATFORM ?= offscreen

.PHONY: run serve test check bench package venv dev-venv system-packages lock clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"

# Runtime dependencies only, exactly as locked.
$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	rm -f $(VENV)/.installed-dev
	touch $@

# Runtime plus test and lint tools, exactly as locked.
$(VENV)/.installed-dev: requirements-dev.lock pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements-dev.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	rm -f $(VENV)/.installed
	touch $@

venv: $(VENV)/.installed
dev-venv: $(VENV)/.installed-dev

run: $(VENV)/.installed
	unset QT_QPA_PLATFORM; $(BIN)/ghl-desktop

# The funnel server alone, in the foreground (Ctrl+C stops it): HOST=0.0.0.0 PORT=8080 make serve
serve: $(VENV)/.installed
	$(BIN)/ghl-desktop serve $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

system-packages:
	./scripts/system-packages.sh

test: dev-venv system-packages
	./scripts/run-tests.sh

check: dev-venv
	$(BIN)/ruff check ghl_desktop tests benchmarks scripts
	$(BIN)/ruff format --check ghl_desktop tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: dev-venv system-packages
	$(BIN)/python -m benchmarks

lock: | $(BIN)/uv
	$(BIN)/uv pip compile --quiet pyproject.toml --python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev --python-version 3.11 -o requirements-dev.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info
