"""bouncedesk: explains bounced e-mail to the people who receive it."""

__version__ = "0.1.0"

# False when running, True for type checkers: modules put the imports their annotations need
# under `if TYPE_CHECKING:`, with `from __future__ import annotations`. Not typing.TYPE_CHECKING:
# importing typing costs every short `bouncedesk diagnose` run some 15 M instructions (~5 ms).
# mypy takes any name TYPE_CHECKING as always true in such a test, imported ones too.
TYPE_CHECKING = False
