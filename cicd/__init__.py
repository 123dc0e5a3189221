"""What the GitHub Actions workflows run: PR report, metric gate, PR comment, commit-back, smoke test."""
