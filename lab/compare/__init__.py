"""`nslab compare`: the course note's claim that a container is lighter and faster than a VM,
measured on this machine - containers from the lab image against a VM of the same Debian release.

model.py holds the result, measure.py the pure readings of /proc, /sys/fs/cgroup and disk files,
containers.py and machine.py start, measure and remove each side, render.py writes the report and
command.py sequences a run.
"""
