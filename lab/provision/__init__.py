"""`nslab provision`: playbooks/lab.yml on a class inventory through ansible-runner.

config (checked inputs) -> driver.provision (one run in a fresh runs/<id>/, events folded into
per-host progress and outcomes) -> the class summary. command.py is what the CLI calls.
controller_setup sets up what a command needs on the controller (nslab runs it before every
command); `./nslab` and the test scripts also run it on the system python3 before the venv
exists, so this package imports nothing on its own (ansible-runner is not there yet).
"""
