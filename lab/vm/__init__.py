"""Local Debian 12 VMs under qemu: a cached base disk, thin per-VM overlays, an Ansible inventory.

`lifecycle` is the entry the CLI calls; the other modules each do one job (image building, the
lab SSH key, acceleration choice, the qemu command line, VM state, SSH waiting, inventory).
"""
