"""What nslab builds on the controller from Debian's own archive, cached by its inputs: hence
the name (it was lab/build, which said that something is built but not what from).

Debian root filesystems (debootstrap), Docker images imported from them and saved as archives
(the lab image a class loads offline), and the local stand-in for download.docker.com: a signed
apt repository in Docker's layout, served on loopback to local VMs. The built-in default of
`nslab provision` and `nslab vm` use it; so do the tests.
"""
