# Benchmarks (bench/). Included by the root Makefile.

## Benchmark the service (both backends under gunicorn, load from `hey`) and batch scoring (`make score` vs plain pandas); writes bench/results.json and bench/results.md
bench: $(SYNCED) train hey
	python -m bench.run
	@# In GitHub Actions, the table goes to the run's summary page too.
	@if [ -n "$$GITHUB_STEP_SUMMARY" ]; then cat bench/results.md >> "$$GITHUB_STEP_SUMMARY"; fi

# The load generator is a Debian/Homebrew package, not a Python one.
## Install the `hey` load generator (Debian's package, or Homebrew's) if it is missing
hey:
	@command -v hey >/dev/null 2>&1 || { \
		if command -v apt-get >/dev/null 2>&1; then \
			SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
			$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq hey; \
		elif command -v brew >/dev/null 2>&1; then brew install hey; \
		else echo "install the 'hey' load generator (https://github.com/rakyll/hey)" >&2; exit 1; fi; }

.PHONY: bench hey
