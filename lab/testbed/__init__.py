"""A local stand-in for download.docker.com and Debian 12 images built without a registry."""

from lab.testbed.bed import Testbed, down, up

__all__ = ["Testbed", "down", "up"]
