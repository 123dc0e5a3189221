"""Example configurations: each folder holds a params.yaml and a data.py that writes its data."""
