"""The two-container namespace experiment, run on a Docker host (Debian python3 + docker SDK)."""
