"""Who may do what in the app, and which host names it answers to.

Roles (`PAGELENS_AUTH="alice:pw:admin,bob:pw:editor,carol:pw"`; a user without a role is a reader, except
a lone role-less user, who is the operator and so an admin):
- reader: search and ask;
- editor: also add and remove documents;
- admin: also change the app's settings for everyone (lanes, and the answer backend saved for all).
Without PAGELENS_AUTH every client has `PAGELENS_ANONYMOUS_ROLE` (default editor: a local single-user app
can add files, but nobody can change what the app does for others).

Chats belong to the user who started them (`chat_access`): with logins each user lists, opens, continues,
renames and deletes only their own, and an admin sees everyone's; without logins every client is the
same anonymous user (owner "") and shares one list. Every handler that touches a chat, named endpoint or
private one alike, takes the caller from the request, never from its inputs.

Host check: a browser tricked by DNS rebinding sends the attacker's host name in `Host:`; only the names in
`PAGELENS_ALLOWED_HOSTS` are answered (default: the bind address plus localhost and 127.0.0.1; a
server bound to every interface must list its public names, or `*` to accept any).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args
from urllib.parse import urlsplit

from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from ..config import Settings

Role = Literal["reader", "editor", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
WILDCARD_BINDS = ("0.0.0.0", "::", "")
LOCAL_HOSTS = ("localhost", "127.0.0.1")


class NotAllowed(PermissionError):
    """The client's role does not allow this action; the message names the role needed."""


@dataclass(frozen=True)
class User:
    name: str
    password: str
    role: Role


def parse_auth(text: str) -> dict[str, User]:
    """`user:password[:role]` entries, comma-separated; ValueError with the entry's position when malformed.
    A trailing `:reader|editor|admin` is the role, so passwords may hold colons but not commas."""
    entries = [part.strip() for part in (text or "").split(",") if part.strip()]
    users: dict[str, User] = {}
    for position, entry in enumerate(entries, 1):
        head, _, last = entry.rpartition(":")
        role_given = last in ROLES and ":" in head
        credentials, role = (head, last) if role_given else (entry, None)
        name, sep, password = credentials.partition(":")
        if not sep or not name or not password:
            raise ValueError(f"auth entry {position} must look like user:password or user:password:role")
        if name in users:
            raise ValueError(f"auth names the user {name!r} twice")
        users[name] = User(name, password, role or ("admin" if len(entries) == 1 else "reader"))
    return users


def role_of(username: str | None, settings: Settings) -> Role:
    """The role of a logged-in user (the app's auth has already checked the password), else the anonymous one."""
    users = parse_auth(settings.auth)
    if not users:
        if settings.anonymous_role not in ROLES:
            raise ValueError(f"PAGELENS_ANONYMOUS_ROLE must be one of {', '.join(ROLES)}")
        return settings.anonymous_role  # type: ignore[return-value]
    user = users.get(username or "")
    return user.role if user else "reader"


@dataclass(frozen=True)
class ChatAccess:
    """Which chats a client may use: `owner` is recorded on the chats it starts; `scope` is the owner whose
    chats it lists and opens (None: every owner's, an admin with logins)."""

    owner: str
    scope: str | None


def chat_access(username: str | None, settings: Settings) -> ChatAccess:
    if not parse_auth(settings.auth):
        return ChatAccess(owner="", scope="")  # one anonymous user: every client shares its chats
    owner = username or ""
    return ChatAccess(owner=owner, scope=None if role_of(username, settings) == "admin" else owner)


def allows(role: Role, needed: Role) -> bool:
    return ROLES.index(role) >= ROLES.index(needed)


def require(username: str | None, settings: Settings, needed: Role, action: str) -> None:
    """NotAllowed unless the client's role reaches `needed`."""
    role = role_of(username, settings)
    if not allows(role, needed):
        raise NotAllowed(f"{action} needs the {needed} role; you are signed in as a {role}")


def allowed_hosts(settings: Settings) -> list[str]:
    """Host names the app answers to (see the module docstring); ValueError when a server bound to every
    interface has none configured, since any name would then reach it."""
    if settings.allowed_hosts:
        return list(settings.allowed_hosts)
    if settings.host in WILDCARD_BINDS:
        raise ValueError(
            f"the app listens on every interface ({settings.host or '*'}): set PAGELENS_ALLOWED_HOSTS "
            "to the host names clients use (comma-separated), or * to accept any"
        )
    return list(dict.fromkeys([settings.host, *LOCAL_HOSTS]))


def host_check(settings: Settings) -> list[Middleware]:
    """The middleware refusing (HTTP 400) requests whose `Host:` is not an allowed host name, and guarding
    Gradio's upload route (`UploadGuard`)."""
    hosts = allowed_hosts(settings)
    guard = Middleware(UploadGuard, hosts=hosts, quota_bytes=settings.max_uploads_mb * 2**20)
    if "*" in hosts:
        return [guard]
    return [
        Middleware(TrustedHostMiddleware, allowed_hosts=hosts),  # compares the Host header without its port
        guard,
    ]


class UploadGuard:
    """Gradio's `/gradio_api/upload` stores whatever any client posts in its cache (kept a day), before any
    handler or role check runs: any logged-in reader could fill the disk, and without logins any web page
    could post a file cross-origin (a form needs no CORS preflight). This refuses an upload whose `Origin`
    is not one of the app's host names (403), and one that would take Gradio's cache over
    `PAGELENS_MAX_UPLOADS_MB` (413); the per-file cap is Gradio's own `max_file_size`."""

    def __init__(self, app, *, hosts: list[str], quota_bytes: int) -> None:
        self.app, self.hosts, self.quota_bytes = app, hosts, quota_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].endswith("/upload"):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            refusal = self._refusal(headers)
            if refusal is not None:
                from starlette.responses import PlainTextResponse

                await PlainTextResponse(refusal[1], status_code=refusal[0])(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, headers: dict[str, str]) -> tuple[int, str] | None:
        origin = headers.get("origin")
        if origin and "*" not in self.hosts and urlsplit(origin).hostname not in self.hosts:
            return 403, "uploads are accepted from this app's own pages only"
        incoming = int(headers.get("content-length") or 0)
        if cache_bytes() + incoming > self.quota_bytes:
            return 413, "the server's upload space is full; try again later"
        return None


def cache_bytes() -> int:
    """The bytes in Gradio's upload cache (GRADIO_TEMP_DIR)."""
    from gradio.utils import get_upload_folder

    folder = Path(get_upload_folder())
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0
