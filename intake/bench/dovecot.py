"""A Dovecot IMAP server of its own, for the tests and the channels benchmark
(`manage.py bench_channels`): its own configuration, run directory, passwd-file users and
maildirs in a temporary directory, listening on a free loopback port with plain logins and
no TLS. The system's Dovecot service (if any) is neither needed nor touched. It lives here,
not in tests/, because a management command must not import the tests."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from imapclient import IMAPClient

APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class IMAPServer:
    """`with IMAPServer("sales", "secret") as server:` runs `dovecot -F` in a process group
    of its own, answers on 127.0.0.1:`server.port` and is killed (the whole group) on exit.
    `server.append(raw_bytes)` puts an RFC 822 message in a folder; `server.client()` is a
    logged-in IMAPClient."""

    host = "127.0.0.1"

    def __init__(self, user: str = "sales", password: str = "secret") -> None:
        self.user, self.password = user, password
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        # Under /tmp, not pytest's tmp_path: the run directory's unix sockets need short paths.
        self.root = Path(tempfile.mkdtemp(prefix="lejek-imap-"))
        self.root.chmod(0o755)  # the mail and auth processes do not run as root
        self.log_path = self.root / "dovecot.log"
        self.config_path = self.root / "dovecot.conf"
        self.passwd_path = self.root / "passwd"
        self.mail_root = self.root / "mail"
        self._users: dict[str, str] = {}

    # -- users ---------------------------------------------------------------------------

    def add_user(self, user: str, password: str) -> None:
        """Another mailbox; Dovecot rereads the passwd file when it changes, so this works
        on a running server too."""
        self._users[user] = password
        lines = "".join(f"{name}:{{PLAIN}}{secret}::::::\n" for name, secret in self._users.items())
        tmp = self.passwd_path.with_suffix(".new")
        tmp.write_text(lines, encoding="utf-8")
        tmp.chmod(0o644)
        tmp.replace(self.passwd_path)

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> None:
        internal, login = _process_users()
        account = pwd.getpwnam(internal)
        self.mail_root.mkdir()
        os.chown(self.mail_root, account.pw_uid, account.pw_gid)
        self.add_user(self.user, self.password)
        self.config_path.write_text(
            _config(self, internal, login, account.pw_uid, account.pw_gid), encoding="utf-8"
        )
        with open(self.root / "dovecot.stderr", "wb") as stderr:
            self.process = subprocess.Popen(
                ["dovecot", "-F", "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
                start_new_session=True,
            )
        deadline = time.monotonic() + 10
        while not self._greets():
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited {self.process.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"dovecot did not answer on port {self.port}:\n{self.log()}")
            time.sleep(0.02)

    def stop(self, remove: bool = True) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                _signal_group(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(5)
                except subprocess.TimeoutExpired:
                    _signal_group(self.process.pid, signal.SIGKILL)
                    self.process.wait(5)
            # The master is gone; its children (if any linger) go with the group.
            _signal_group(self.process.pid, signal.SIGKILL)
            self.process = None
        if remove:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> IMAPServer:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _greets(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5) as conn:
                return conn.recv(64).startswith(b"* OK")
        except OSError:
            return False

    def log(self) -> str:
        """Dovecot's log and anything it printed before it could open it."""
        parts = []
        for path in (self.root / "dovecot.stderr", self.log_path):
            if path.exists():
                parts.append(path.read_text(encoding="utf-8", errors="replace"))
        return "".join(parts)

    # -- mail ----------------------------------------------------------------------------

    def client(self, user: str | None = None, password: str | None = None) -> IMAPClient:
        """A logged-in IMAPClient (use it as a context manager to log out)."""
        imap = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        imap.login(user or self.user, password if password is not None else self.password)
        return imap

    def append(
        self,
        message: bytes,
        folder: str = "INBOX",
        flags: Iterable[str | bytes] = (),
        msg_time: datetime | None = None,
        user: str | None = None,
    ) -> int:
        """APPEND a raw RFC 822 message to the folder (made if missing); its UID."""
        password = self._users[user] if user else None
        with self.client(user, password) as imap:
            if folder.upper() != "INBOX" and not imap.folder_exists(folder):
                imap.create_folder(folder)
            response = imap.append(folder, message, flags=tuple(flags), msg_time=msg_time)
        found = APPENDUID.search(response)
        assert found, f"no APPENDUID in {response!r}"
        return int(found.group(2))


def _process_users() -> tuple[str, str]:
    """The users Dovecot's internal/mail and login processes run as: Debian's `dovecot`
    and `dovenull` when started as root (they must not be root), else the current user."""
    if os.geteuid() == 0:
        return "dovecot", "dovenull"
    me = pwd.getpwuid(os.geteuid()).pw_name
    return me, me


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _config(server: IMAPServer, internal: str, login: str, uid: int, gid: int) -> str:
    root = server.root
    return f"""\
# A test's own Dovecot ({server.host}:{server.port}); nothing from /etc/dovecot.
instance_name = lejek-imap-{server.port}
protocols = imap
listen = {server.host}
base_dir = {root}/run
state_dir = {root}/state
log_path = {server.log_path}
info_log_path = {server.log_path}
default_login_user = {login}
default_internal_user = {internal}
default_internal_group = {internal}
first_valid_uid = {uid}
last_valid_uid = 0
first_valid_gid = 0
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# A wrong password is answered at once (2 s by default): tests try them on purpose.
auth_failure_delay = 0
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {server.passwd_path}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={server.mail_root}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = {server.host}
    port = {server.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""
