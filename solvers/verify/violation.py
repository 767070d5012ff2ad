"""One broken rule found in a plan."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Violation"]


@dataclass(frozen=True)
class Violation:
    """A constraint a plan breaks.

    Attributes
    ----------
    constraint : str
        Short name of the rule, e.g. ``"capacity"``, ``"sla"``, ``"link_capacity"``.
    subject : str
        What breaks it: a site, region or link id (``"A->B"``), or a plan key.
    message : str
        Human-readable explanation with the numbers involved.
    amount : float
        By how much the rule is broken (0.0 when not a quantity).
    """

    constraint: str
    subject: str
    message: str
    amount: float = 0.0

    def __str__(self) -> str:
        return f"{self.constraint} [{self.subject}]: {self.message}"

    def as_dict(self) -> dict:
        return {
            "constraint": self.constraint,
            "subject": self.subject,
            "message": self.message,
            "amount": self.amount,
        }
