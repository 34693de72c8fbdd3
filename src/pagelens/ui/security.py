"""Who may do what in the app, and which host names it answers to.

Roles (`PAGELENS_AUTH="alice:pw:admin,bob:pw:editor,carol:pw"`; a user without a role is a reader, except
a lone role-less user, who is the operator and so an admin):
- reader: search and ask;
- editor: also add and remove documents;
- admin: also change the app's settings for everyone (lanes, and the answer backend saved for all).
Without PAGELENS_AUTH every client has `PAGELENS_ANONYMOUS_ROLE` (default editor: a local single-user app
can add files, but nobody can change what the app does for others).

Host check: a browser tricked by DNS rebinding sends the attacker's host name in `Host:`; only the names in
`PAGELENS_ALLOWED_HOSTS` are answered (default: the bind address plus localhost and 127.0.0.1; a
server bound to every interface must list its public names, or `*` to accept any).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

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
    """The middleware refusing (HTTP 400) requests whose `Host:` is not an allowed host name."""
    hosts = allowed_hosts(settings)
    if "*" in hosts:
        return []
    return [
        Middleware(TrustedHostMiddleware, allowed_hosts=hosts)
    ]  # compares the Host header without its port
