"""Loading, checking and running the model; no web framework here.

Import the submodules directly: this package stays light so that gunicorn's master can run
the integrity preflight without importing pandas or scikit-learn.
"""
