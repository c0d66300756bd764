"""Ansible's own options, passed through `nslab provision` to ansible-playbook.

Passwords are asked for up front, the way ansible-playbook asks (SSH, then BECOME, then Vault),
so a run never stops half-way for input. The SSH and BECOME passwords reach ansible-playbook
through ansible-runner's prompt answers (`passwords`), never a file or the command line; a typed
vault password goes through a 0600 file in a private directory outside the run directory, which
is deleted when the run ends. Every one of them is known to the run's Redactor.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lab.errors import LabError

# What ansible-playbook prints when it asks (ansible-core 2.19; `[defaults to SSH password]`
# follows BECOME when -k is given too).
SSH_PROMPT = r"SSH password:\s*$"
BECOME_PROMPT = r"BECOME password[^:\n]*:\s*$"


class OptionsError(LabError):
    pass


@dataclass(frozen=True)
class AnsibleOptions:
    """The ansible-playbook options `nslab provision` accepts, as typed."""

    user: str | None = None
    private_key: Path | None = None
    ask_pass: bool = False
    ask_become_pass: bool = False
    vault_password_files: tuple[Path, ...] = ()
    ask_vault_pass: bool = False
    tags: tuple[str, ...] = ()
    skip_tags: tuple[str, ...] = ()
    diff: bool = False


@dataclass(frozen=True)
class Passwords:
    ssh: str | None = field(default=None, repr=False)
    become: str | None = field(default=None, repr=False)
    vault: str | None = field(default=None, repr=False)

    def values(self) -> list[str]:
        return [value for value in (self.ssh, self.become, self.vault) if value]


def read_password(prompt: str) -> str:
    """From the terminal like ansible-playbook; without one (a script, CI), one line of stdin."""
    try:
        os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
    except OSError:
        sys.stderr.write(prompt)
        sys.stderr.flush()
        answer = sys.stdin.readline().rstrip("\n")
        sys.stderr.write("\n")
        return answer
    return getpass.getpass(prompt)


def ask_passwords(options: AnsibleOptions, ask: Callable[[str], str] = read_password) -> Passwords:
    ssh = ask("SSH password: ") if options.ask_pass else None
    become = None
    if options.ask_become_pass:
        become = ask("BECOME password[defaults to SSH password]: " if ssh else "BECOME password: ")
        become = become or ssh
    vault = ask("Vault password: ") if options.ask_vault_pass else None
    if options.ask_vault_pass and not vault:
        raise OptionsError("--ask-vault-pass: an empty vault password decrypts nothing; retype it")
    return Passwords(ssh, become, vault)


@dataclass(frozen=True)
class Vault:
    """The vault passwords of a run: files for ansible-playbook/ansible-inventory, secrets for
    reading `-e @file` here."""

    password_files: tuple[Path, ...] = ()
    secrets: tuple[Any, ...] = field(default=(), repr=False)

    def arguments(self) -> list[str]:
        return [arg for path in self.password_files for arg in ("--vault-password-file", str(path))]

    def secret_values(self) -> list[str]:
        return [secret.bytes.decode(errors="replace").strip() for _, secret in self.secrets]


NO_OPTIONS = AnsibleOptions()
NO_PASSWORDS = Passwords()
NO_VAULT = Vault()


def open_vault(options: AnsibleOptions, passwords: Passwords, private_dir: Path) -> Vault:
    """Load the vault password files (missing one: OptionsError) and write a typed password to
    `private_dir` for ansible-playbook."""
    from ansible.cli import CLI
    from ansible.errors import AnsibleError
    from ansible.parsing.dataloader import DataLoader
    from ansible.parsing.vault import VaultSecretsContext

    files = [path.expanduser().resolve() for path in options.vault_password_files]
    for path in files:
        if not path.is_file():
            raise OptionsError(
                f"--vault-password-file {path}: no such file; give the file that holds the "
                "vault password, or use --ask-vault-pass"
            )
    if passwords.vault:
        typed = private_dir / "vault-password"
        typed.touch(mode=0o600)
        typed.write_text(passwords.vault + "\n", encoding="utf-8")
        files.append(typed)
    if not files:
        return Vault()
    try:
        secrets = CLI.setup_vault_secrets(
            DataLoader(),
            vault_ids=[],
            vault_password_files=[str(path) for path in files],
            auto_prompt=False,
            initialize_context=False,
        )
    except AnsibleError as error:
        first = str(error).strip().splitlines()[0]
        raise OptionsError(f"cannot read the vault password: {first}") from error
    # `!vault` values decrypt through this process-wide context (ansible-core 2.19).
    context = VaultSecretsContext.current(optional=True)
    if context is None:
        VaultSecretsContext.initialize(VaultSecretsContext(list(secrets)))
    else:
        context.secrets = list(secrets)
    return Vault(tuple(files), tuple(secrets))


def playbook_arguments(options: AnsibleOptions, passwords: Passwords, check: bool) -> list[str]:
    """ansible-playbook's command-line words for `options` (no secret among them)."""
    words: list[str] = []
    if options.user:
        words += ["--user", options.user]
    if options.private_key:
        words += ["--private-key", str(options.private_key)]
    if passwords.ssh:
        words.append("--ask-pass")
    if passwords.become:
        words.append("--ask-become-pass")
    if options.tags:
        words += ["--tags", ",".join(options.tags)]
    if options.skip_tags:
        words += ["--skip-tags", ",".join(options.skip_tags)]
    if check:
        words.append("--check")
    if check or options.diff:
        words.append("--diff")
    return words


def prompt_answers(passwords: Passwords) -> dict[str, str]:
    """ansible-runner's `passwords`: prompt pattern -> answer."""
    answers = {}
    if passwords.ssh:
        answers[SSH_PROMPT] = passwords.ssh
    if passwords.become:
        answers[BECOME_PROMPT] = passwords.become
    return answers


def check_private_key(options: AnsibleOptions) -> None:
    key = options.private_key
    if key is not None and not os.access(key.expanduser(), os.R_OK):
        raise OptionsError(
            f"--private-key {key}: no readable file there; give the SSH key of the class machines"
        )
