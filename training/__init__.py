"""The training pipeline: one module per concept; stages/ holds the DVC stages."""
