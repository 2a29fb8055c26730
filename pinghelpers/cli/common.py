"""What the commands share: settings from flags and ``PINGONE_*``, secrets from the environment or a prompt
(never from a flag), the option groups, and how tokens and failures are printed."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from ..rules import AUTH_METHODS, METHOD_CLIENT_SECRET_JWT, METHOD_PRIVATE_KEY_JWT, allowed_algorithms, auth_method

__all__ = [
    "CliError",
    "add_client_options",
    "add_target_options",
    "fail_token",
    "paragraph",
    "print_tokens",
    "private_key",
    "prompt_secret",
    "secret_arg_guard",
    "settings_from_args",
]


class CliError(Exception):
    """A usage problem the CLI reports as ``error: …`` with exit status 2 (no traceback)."""


def paragraph(explanation: Any, *, already_said: str = "") -> str:
    """An :class:`~pinghelpers.explain.Explanation` as the one paragraph the CLI prints on failure
    (the summary is left out when it repeats ``already_said``)."""
    causes = list(explanation.causes)
    summary = "" if explanation.summary == already_said else f"{explanation.summary} "
    if not causes:
        return summary.strip()
    first, rest = causes[0], causes[1:4]
    text = f"{summary}Most likely: {first.cause}"
    if first.evidence:
        text += f" (seen: {first.evidence})"
    text += f". Fix: {first.fix.rstrip('.')}."
    if rest:
        text += " Also possible: " + "; ".join(c.cause for c in rest) + "."
    return text


class RedactingParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors never repeat an unknown option's value (issue 16 #7).

    argparse answers ``--client_secret=…`` (a misspelling) with "unrecognized arguments: --client_secret=<the
    secret>" — on a terminal that may be recorded or shared. Here the option's name stays, its value does not.
    Subcommand parsers inherit the class (``add_subparsers`` uses the parent's type).
    """

    def error(self, message: str) -> NoReturn:
        head, sep, rest = message.partition("unrecognized arguments: ")
        if sep:
            message = head + sep + " ".join(_redact(arg) for arg in rest.split(" "))
        # "ambiguous option: --c=VALUE could match …" and friends: an option's attached value never shows.
        message = re.sub(r"(?<!\S)(--?[^\s=]+)=\S*", r"\1=<hidden>", message)
        # "invalid choice: 'VALUE' (choose from …)": the choices are listed; the value typed need not be.
        message = re.sub(r"invalid choice: '.*?' \(", "invalid choice (", message, flags=re.S)
        # "argument --wait: invalid float value: 'VALUE'": a value typed after an abbreviated option (--w) never shows.
        message = re.sub(r"(invalid [\w ]*?value): '.*'", r"\1 (hidden)", message, flags=re.S)
        # "argument --explain: ignored explicit argument 'VALUE'": a flag that takes no value, given one (--e=…).
        message = re.sub(r"(ignored explicit argument) '.*'", r"\1 (hidden)", message, flags=re.S)
        super().error(message)


def _redact(arg: str) -> str:
    if arg.startswith("-") and "=" in arg:
        return arg.split("=", 1)[0] + "=<hidden>"
    return arg if arg.startswith("-") else "<hidden>"


def read_token(value: str | None, env_var: str | None, *, what: str) -> str | None:
    """A token from ``-`` (stdin), an environment variable named by ``env_var``, or — discouraged — argv.

    Issue 16 #7: argv is visible to every user via ``ps`` and kept in shell history; stdin and a variable are
    not. A JWT on argv still works (lessons paste them) but earns a warning on stderr.
    """
    if env_var:
        found = os.environ.get(env_var, "").strip()
        if not found:
            raise CliError(f"{what}: the environment variable {env_var} is not set (or empty)")
        return found
    if value == "-":
        return sys.stdin.read().strip()
    if value and value.count(".") == 2 and len(value) > 40:
        print(
            f"warning: {what} given on the command line — other users see it in `ps`, and your shell history keeps "
            "it; pass - to read it from stdin, or name an environment variable instead (see --help)",
            file=sys.stderr,
        )
    return value


def secret_arg_guard(argv: Sequence[str]) -> None:
    # A secret on the command line lands in shell history and `ps` output; refuse it loudly.
    for arg in argv:
        if arg.split("=", 1)[0] in ("--client-secret", "--secret", "--password"):
            raise CliError(
                f"{arg.split('=', 1)[0]} is not an option: secrets never come from flags (they would be visible in "
                "shell history and to other users via `ps`). Set PINGONE_CLIENT_SECRET / PINGONE_PASSWORD, or "
                "let the command prompt for them."
            )


def prompt_secret(var: str, label: str) -> Any:
    from ..secret import Secret

    value = os.environ.get(var)
    if not value:
        from ..settings import find_dotenv

        found = find_dotenv()
        if found is not None:
            from dotenv import dotenv_values

            value = dotenv_values(found).get(var) or None
    if not value:
        if not sys.stdin or not sys.stdin.isatty():
            raise CliError(
                f"no {label}: set {var} (environment or .env; it is never taken from a flag), or run in a terminal "
                "to be asked"
            )
        import getpass

        value = getpass.getpass(f"{label[0].upper()}{label[1:]} (input hidden): ")
        if not value:
            raise CliError(f"no {label} given")
    return Secret(value)


def add_target_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(
        "where (default: PINGONE_* environment variables / .env)",
        "Pick one: a PingOne region + environment ID, an auth path (Postman {{authPath}}) + environment ID, a "
        "PingOne custom domain, or any OpenID Connect issuer URL (endpoints from its discovery document).",
    )
    g.add_argument("--env-id", metavar="UUID", help="PingOne environment ID (PINGONE_ENV_ID)")
    g.add_argument(
        "--region", metavar="R", help="NA (.com, default), CA, EU, AU (.com.au), SG or AP (.asia) (PINGONE_REGION)"
    )
    g.add_argument("--auth-path", metavar="URL", help="auth base URL instead of a region, e.g. the local sandbox's")
    g.add_argument("--custom-domain", metavar="HOST", help="a PingOne custom domain: no envID in the URLs")
    g.add_argument(
        "--issuer", metavar="URL", help="any OIDC issuer URL; endpoints from /.well-known/openid-configuration"
    )
    g.add_argument("--postman", metavar="FILE", help="read the settings from a Postman environment export")


def settings_from_args(args: argparse.Namespace, *, need_secret: bool) -> Any:
    """Settings: PINGONE_* variables (and .env), then a Postman file, then flags — later wins."""
    from ..settings import Settings

    target_flags = {
        "env_id": args.env_id,
        "region": args.region,
        "auth_path": args.auth_path,
        "custom_domain": args.custom_domain,
        "issuer": args.issuer,
    }
    base: dict[str, Any] = {}
    # PINGONE_* (and .env) first; the target flags are passed so that client ID, secret, redirect URI …
    # are still read from the environment when only the target comes from flags.
    env_settings = Settings.from_env(**{k: v for k, v in target_flags.items() if v})
    if env_settings is not None:
        base = {k: v for k, v in env_settings.as_dict(reveal=True).items() if v is not None}
        base.pop("source", None)
        # Issue 16 #1: say which .env was read, and what of it was ignored — on stderr, every time.
        if " + " in env_settings.source:
            print(
                f"settings: read {env_settings.source.split(' + ', 1)[1]} (the environment wins over it)",
                file=sys.stderr,
            )
        for note in env_settings.notes:
            print(f"settings: {note}", file=sys.stderr)
    if args.postman:
        from ..postman import read_postman_environment

        postman = read_postman_environment(args.postman)
        base.update({k: v for k, v in postman.as_dict(reveal=True).items() if v is not None})
    if any(target_flags.values()):
        # Flags naming a target replace the whole target, so a stale PINGONE_ISSUER cannot sneak in.
        for key in ("env_id", "region", "auth_path", "custom_domain", "issuer"):
            base.pop(key, None)
        base.update({k: v for k, v in target_flags.items() if v})
    for key in ("client_id", "redirect_uri", "scope", "auth_method", "assertion_alg", "username"):
        value = getattr(args, key, None)
        if value:
            base[key] = value
    if not any(base.get(k) for k in ("env_id", "auth_path", "issuer", "custom_domain")):
        raise CliError(
            "say where PingOne is: --env-id UUID [--region R], --auth-path URL --env-id UUID, --custom-domain HOST, "
            "--issuer URL or --postman FILE (or set PINGONE_ENV_ID / PINGONE_ISSUER)"
        )
    if not base.get("client_id"):
        raise CliError("no client ID: pass --client-id (or set PINGONE_CLIENT_ID)")
    method = auth_method(base.get("auth_method") or METHOD_CLIENT_SECRET_JWT)
    if need_secret and method.needs_secret:
        if not base.get("client_secret"):
            base["client_secret"] = prompt_secret("PINGONE_CLIENT_SECRET", "client secret")
    base["source"] = "command line"
    settings = Settings(**base)
    if getattr(args, "record", None):
        from ..workbook import record_to

        record_to(args.record, settings)  # the cassette masks this settings' secrets wherever they appear
    return settings


def private_key(args: argparse.Namespace) -> bytes | None:
    chosen = getattr(args, "auth_method", None)
    if not chosen or auth_method(chosen).name != METHOD_PRIVATE_KEY_JWT:
        return None
    if not args.private_key:
        raise CliError("--auth private_key_jwt needs --private-key FILE (a PEM private key)")
    try:
        with open(args.private_key, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise CliError(f"cannot read --private-key {args.private_key}: {exc.strerror}") from None


def add_client_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("the application (default: PINGONE_* environment variables / .env)")
    g.add_argument("--client-id", help="the application's client ID (PINGONE_CLIENT_ID)")
    g.add_argument("--redirect-uri", help="a redirect URI registered on the application (PINGONE_REDIRECT_URI)")
    g.add_argument(
        "--auth",
        dest="auth_method",
        choices=[m.key for m in AUTH_METHODS],
        help="client authentication, as the app's tokenEndpointAuthMethod (default client_secret_jwt)",
    )
    g.add_argument(
        "--alg", dest="assertion_alg", choices=allowed_algorithms(METHOD_CLIENT_SECRET_JWT), help="assertion HMAC"
    )
    g.add_argument("--private-key", metavar="PEM", help="private key file for private_key_jwt")
    g.add_argument("--kid", help="key id (kid) for private_key_jwt")
    g.add_argument("--timeout", type=float, default=10.0, help="seconds per HTTP call (default 10)")


def print_tokens(result: Any, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result.body))
        return
    print(f"HTTP {result.status}")
    print(json.dumps(result.body, indent=2))
    for name, decoded in result.decoded.items():
        print(f"\n{name} (decoded, not verified):")
        print("  " + json.dumps(dict(decoded.claims)))
        for claim, when in decoded.times().items():
            print(f"  {claim:<9} {when}")


def fail_token(client: Any, result: Any) -> int:
    assert result.error is not None
    print(f"error: the token request failed — {result.error.message}", file=sys.stderr)
    print(paragraph(client.explain(result)), file=sys.stderr)
    if result.request is not None:
        print("\nthe request that was sent (secrets masked):\n" + result.request.curl(), file=sys.stderr)
    return 1
