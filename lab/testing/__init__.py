"""Test doubles and benchmark helpers: the test bed (Debian host containers, the stand-in served
on a Docker network, an Engine 29 API gate, apt-cacher-ng, the course note's bare steps).

Developer-only: the wheel leaves this package out, and no shipped module imports it (`nslab
testbed`, a developer command, loads it only when it runs from a checkout).
"""

from lab.testing.bed import Testbed, down, up

__all__ = ["Testbed", "down", "up"]
