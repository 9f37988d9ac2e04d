# undertow: two commands matter — `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp
DEMO_DB ?= demo.db
PORT   ?= 8000
EVAL   ?= ../shared/eval

export HF_HUB_OFFLINE = 1

.PHONY: install demo serve test browser postgres lint bench bench-extraction bench-dates bench-ingest bench-annotate bench-narratives \
	bench-dynamics bench-web bench-scale bench-web-pg reliability clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "undertow needs Python >= 3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## demo: install, ingest the bundled demo corpus into demo.db, show what was stored and what
## changed (alerts), write the brief for the demo's last day (demo-brief.md / .html), then serve
## the dashboard and API over it on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)
demo: install
	$(BIN)/undertow backfill src/undertow/data/demo --engine local --workers 2 --db $(DEMO_DB)
	$(BIN)/undertow stats --db $(DEMO_DB)
	$(BIN)/undertow statements --db $(DEMO_DB) --since 2026-02-04 --limit 25
	$(BIN)/undertow statements --db $(DEMO_DB) --issue ceasefire-before-settlement --limit 10
	$(BIN)/undertow search "peacekeepers OR ceasefire" --db $(DEMO_DB) --limit 5
	$(BIN)/undertow firstseen --db $(DEMO_DB) --on 2026-02-08
	$(BIN)/undertow spread ukraine-false-flag --db $(DEMO_DB)
	$(BIN)/undertow series narrative ukraine-false-flag --db $(DEMO_DB) --since 2026-01-25 --until 2026-02-08 --bursts
	$(BIN)/undertow alerts --db $(DEMO_DB) --atom demo-alerts.atom
	$(BIN)/undertow narratives candidates --db $(DEMO_DB) --limit 5
	$(BIN)/undertow brief --date 2026-02-08 --db $(DEMO_DB) --format html -o demo-brief.html
	$(BIN)/undertow brief --date 2026-02-08 --db $(DEMO_DB) --format md -o demo-brief.md
	cat demo-brief.md
	$(MAKE) --no-print-directory serve

serve: install
	$(BIN)/undertow serve --db $(DEMO_DB) --port $(PORT)

## test: lint and the whole test suite (tests that need ../shared skip cleanly without it); the
## browser tests drive Debian's chromium and the store tests also run on a throwaway PostgreSQL
## server started by the tests themselves, both installed here when missing (they skip without
## them, except under CI=true, where a missing browser or server fails the run)
test: install lint browser postgres
	$(BIN)/pytest

browser:
	@sh scripts/setup-browser.sh || { [ "$${CI:-}" != "true" ] && echo "browser tests will skip"; }

postgres:
	@sh scripts/setup-postgres.sh || { [ "$${CI:-}" != "true" ] && echo "PostgreSQL tests will skip"; }

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

## benchmarks (not part of make test)
bench: bench-extraction bench-ingest bench-annotate bench-narratives bench-dynamics bench-web bench-scale

bench-extraction: install
	$(BIN)/python bench/extraction.py --eval-dir $(EVAL)

## why dates are wrong on the WCXB articles, and the share of gold dates written in the page at all
bench-dates: install
	$(BIN)/python bench/date_audit.py --eval-dir $(EVAL)

bench-ingest: install
	$(BIN)/python bench/ingest_throughput.py --eval-dir $(EVAL)

bench-annotate: install
	$(BIN)/python bench/annotate_speed.py
	$(BIN)/undertow eval statements
	$(BIN)/undertow eval events

bench-narratives: install
	$(BIN)/undertow eval narratives --taxonomy semeval-urw --docs bench/data/narratives-dev --gold bench/data/narratives-dev/labels.tsv
	$(BIN)/python bench/narratives.py --speed --train-folds 2
	$(BIN)/undertow eval stances

## incremental cost of tracking, alerts and briefs on a synthetic one-year, 500k-statement store
bench-dynamics: install
	$(BIN)/python bench/dynamics_incremental.py

## dashboard and API latency (p50/p95 per page and list endpoint) on a synthetic store of
## 100k documents and 1M statements (built once into bench/out/web_speed.db, reused after)
bench-web: install
	$(BIN)/python bench/web_speed.py

## backfill throughput (Ray vs local process pool, 1 and 2 workers) into a PostgreSQL server the
## script starts and removes, with peak RSS per process and per-stage CPU costs
bench-scale: install postgres
	$(BIN)/python bench/scale.py --eval-dir $(EVAL)

## the dashboard benchmark on PostgreSQL: a durable throwaway server in /tmp/undertow-bench-pg (left running
## for reruns; stop it with `python -m undertow.store.pgserver stop /tmp/undertow-bench-pg`)
bench-web-pg: install postgres
	$(BIN)/python -m undertow.store.pgserver start /tmp/undertow-bench-pg
	$(BIN)/python bench/web_speed.py --db "$$($(BIN)/python -m undertow.store.pgserver url /tmp/undertow-bench-pg)" \
		--out bench/out/web_speed_pg.json

## reliability: the hostile-input corpus (slow cases too), crash safety (kill -9), the server's
## guards (fuzzing, SSRF, XSS in the browser, limits) and a bounded load test (200 clients x 60 s on
## the demo store and on a 100k-document store, built when missing), reported in
## bench/out/reliability.md; the fast part of it runs in `make test`
reliability: install browser postgres
	$(BIN)/python bench/reliability.py

clean:
	rm -rf $(VENV) demo-brief.md demo-brief.html demo-alerts.atom $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm .pytest_cache .ruff_cache
