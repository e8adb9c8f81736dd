"""argparse in Vietnamese for ``motcua`` and ``motcua-server``: help headings, usage line and errors.

argparse takes its own words ("usage:", "options", "show this help message and exit", error
messages) from ``gettext`` through the module-level names ``argparse._`` and
``argparse.ngettext``. :class:`ViArgumentParser` swaps those for :func:`translate` only while
one of its own methods runs (building the parser, parsing, formatting help, reporting an
error), so other parsers in the process (pytest's, a library's) keep their English.
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

T = TypeVar("T")

# argparse's own messages (Python 3.11–3.13) → Vietnamese; placeholders unchanged.
MESSAGES = {
    "usage: ": "Cách dùng: ",
    "positional arguments": "tham số vị trí",
    "options": "tuỳ chọn",
    "optional arguments": "tuỳ chọn",
    "show this help message and exit": "in hướng dẫn này rồi thoát",
    "subcommands": "lệnh con",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\nXem hướng dẫn: %(prog)s --help\n",
    "the following arguments are required: %s": "Thiếu tham số bắt buộc: %s",
    "unrecognized arguments: %s": "không hiểu tham số: %s",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "giá trị %(value)r không hợp lệ (chọn một trong: %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": "%(value)r không phải %(type)s",
    "expected one argument": "cần một giá trị",
    "expected at most one argument": "cần nhiều nhất một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "not allowed with argument %s": "không dùng cùng với tham số %s",
    "one of the arguments %s is required": "cần một trong các tham số %s",
    "ambiguous option: %(option)s could match %(matches)s": "tuỳ chọn %(option)s chưa rõ, có thể là %(matches)s",
    "ignored explicit argument %r": "bỏ qua giá trị %r",
    "unexpected option string: %s": "tuỳ chọn không mong đợi: %s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "không có lệnh %(parser_name)r (các lệnh: %(choices)s)",
    "can't open '%(filename)s': %(error)s": "không mở được “%(filename)s”: %(error)s",
    "show program's version number and exit": "in phiên bản rồi thoát",
}
PLURALS = {"expected %s argument": "cần %s giá trị"}
# The type names argparse puts in "invalid %(type)s value".
TYPE_NAMES = {"int": "số nguyên", "float": "số", "Path": "đường dẫn"}


def translate(message: str | None) -> str | None:
    """argparse's ``_()``: the Vietnamese text of one of its messages (others unchanged)."""
    if message is None:
        return None
    return MESSAGES.get(message, message)


def ntranslate(singular: str, plural: str, n: int) -> str:
    """argparse's ``ngettext()``."""
    return PLURALS.get(singular, singular if n == 1 else plural)


_lock = threading.RLock()


@contextmanager
def vietnamese() -> Iterator[None]:
    """While inside: argparse speaks Vietnamese (re-entrant; one thread at a time)."""
    with _lock:
        saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
        argparse._, argparse.ngettext = translate, ntranslate  # type: ignore[attr-defined]
        try:
            yield
        finally:
            argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


def _in_vietnamese(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    with vietnamese():
        return fn(*args, **kwargs)


class ViArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose help and errors are in Vietnamese; subparsers are of the same class."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        with vietnamese():  # the -h/--help help text is made here
            super().__init__(*args, **kwargs)

    def add_subparsers(self, **kwargs: Any) -> Any:
        kwargs.setdefault("parser_class", type(self))
        kwargs.setdefault("title", "lệnh")
        return _in_vietnamese(super().add_subparsers, **kwargs)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        return _in_vietnamese(super().parse_known_args, args, namespace)

    def format_usage(self) -> str:
        return _in_vietnamese(super().format_usage)

    def format_help(self) -> str:
        return _in_vietnamese(super().format_help)

    def _get_value(self, action: argparse.Action, arg_string: str) -> Any:
        try:
            return super()._get_value(action, arg_string)
        except argparse.ArgumentError as exc:
            name = getattr(action.type, "__name__", "")
            if name in TYPE_NAMES and exc.message:
                exc.message = exc.message.replace(f" không phải {name}", f" không phải {TYPE_NAMES[name]}")
            raise

    def error(self, message: str) -> NoReturn:
        with vietnamese():
            super().error(message)
        raise AssertionError("unreachable")  # pragma: no cover (error() exits)
