"""Typed errors: an agent can tell a refusal from an outage from an action in doubt."""
from __future__ import annotations

from typing import Any, Dict, List, Optional


class VetoError(Exception):
    """Anything the guard raises instead of running the tool."""

    def __init__(self, message: str, decision: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.decision = decision

    @property
    def decision_id(self) -> Optional[str]:
        return self.decision.get("decision_id") if self.decision else None


class Refused(VetoError):
    """Veto said no (or could not say yes). ``reasons`` are ``{rule, message}`` dicts."""

    def __init__(self, message: str, reasons: List[Dict[str, str]],
                 decision: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message, decision)
        self.reasons = reasons

    @property
    def rules(self) -> List[str]:
        return [r.get("rule", "") for r in self.reasons]


class ApprovalTimeout(Refused):
    """No approver answered in time. Calling again with the same key waits again."""


class VetoUnavailable(Refused):
    """Veto could not be reached or could not decide: the action is refused (fail closed)."""


class InDoubt(VetoError):
    """This key was allowed before and nobody reported what happened.

    Check whether the effect already took place before acting; then report the outcome with
    ``Veto.report(decision_id, ...)`` or retry with ``run_in_doubt=True``.
    """


class AlreadyDone(VetoError):
    """This key's action already ran and its outcome was reported (``outcome``).

    One key is one execution: to run the same call again on purpose, pass a new key.
    """

    def __init__(self, message: str, outcome: Optional[str],
                 decision: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message, decision)
        self.outcome = outcome


class ApiError(VetoError):
    """Veto rejected the request itself (bad input, token, conflict): a bug to fix."""

    def __init__(self, status: int, code: str, message: str,
                 field: Optional[str] = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.field = field
