"""A Veto client on the standard library only (urllib, json, hashlib), Python 3.9+.

``Veto.guard`` and ``Veto.action`` run the whole protocol around one tool call:
decide, wait for an approver when asked, run the tool only on allow, report the outcome.
"""
from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import hashlib
import http.client
import inspect
import json
import logging
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, Iterator, Optional, TypeVar, Union

from .errors import (AlreadyDone, ApiError, ApprovalTimeout, InDoubt, Refused, VetoError,
                     VetoUnavailable)

log = logging.getLogger("veto_client")

F = TypeVar("F", bound=Callable[..., Any])
TaskId = Union[str, Callable[[], str], None]

# Errors after which the tool may or may not have taken effect: reported as "unknown".
UNCERTAIN_ERRORS = (TimeoutError, socket.timeout, ConnectionError, http.client.HTTPException,
                    asyncio.TimeoutError)

_current_task: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar(
    "veto_task_id", default=None)


class _Unreachable(Exception):
    """No answer from Veto (connection refused, timeout, lost reply, 503)."""


def derive_key(task_id: str, tool: str, args: Dict[str, Any]) -> str:
    """The same logical call (task, tool, arguments) gets the same key on every retry."""
    canonical = json.dumps([task_id, tool, args], sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False, default=str)
    return "py-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:40]


class Veto:
    """One agent's connection to Veto.

    ``fail_open_reads``: when Veto cannot be reached, let calls guarded with
    ``read_only=True`` (tier-0 reads) run anyway. Off by default: unreachable means refuse.
    """

    def __init__(self, url: str = "http://127.0.0.1:8181", token: Optional[str] = None,
                 agent_id: str = "agent", *, task_id: Optional[str] = None,
                 timeout: float = 10.0, retries: int = 3, approval_timeout: float = 300.0,
                 fail_open_reads: bool = False) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.agent_id = agent_id
        self.task_id = task_id
        self.timeout = timeout
        self.retries = retries
        self.approval_timeout = approval_timeout
        self.fail_open_reads = fail_open_reads

    # ---- the raw API --------------------------------------------------------------------

    def _call(self, method: str, path: str, body: Optional[Dict[str, Any]] = None,
              timeout: Optional[float] = None) -> "tuple[Dict[str, Any], Dict[str, str]]":
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("content-type", "application/json")
        if self.token:
            request.add_header("authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                headers = {k.lower(): v for k, v in response.headers.items()}
                return json.loads(response.read() or b"{}"), headers
        except urllib.error.HTTPError as error:
            payload = _json_or_empty(error.read())
            if error.code in (429, 503):
                # Overloaded, rate limited or briefly unable to write: retried under the
                # same key, refused if it lasts.
                raise _Unreachable(payload.get("message", f"{error.code} from Veto")) from error
            if error.code == 500 and payload.get("verdict") == "refuse":
                raise Refused(payload.get("message", "Veto failed; refused"),
                              payload.get("reasons", [])) from error
            raise ApiError(error.code, payload.get("code", "http_error"),
                           payload.get("message", str(error)), payload.get("field")) from error
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            raise _Unreachable(str(error)) from error

    def decide(self, task_id: str, tool: str, args: Dict[str, Any], key: str,
               **extra: Any) -> "tuple[Dict[str, Any], bool, bool]":
        """POST /v1/decide with retries under the same key.

        Returns (decision, replayed, ours): ``ours`` is true when an earlier attempt of this
        call got no reply, so a replay "in doubt" is this call's own unanswered attempt.
        """
        body = {"task_id": task_id, "agent_id": self.agent_id, "tool": tool, "args": args,
                "idempotency_key": key}
        body.update({k: v for k, v in extra.items() if v is not None})
        lost = False
        last: Optional[Exception] = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(min(0.2 * 2 ** attempt, 2.0))
            try:
                decision, headers = self._call("POST", "/v1/decide", body)
                return decision, headers.get("idempotent-replayed") == "true", lost
            except _Unreachable as error:
                lost, last = True, error
                log.warning("veto: no answer to decide (attempt %d): %s", attempt + 1, error)
        raise _Unreachable(str(last))

    def decision(self, decision_id: str, wait: float = 0) -> Dict[str, Any]:
        """GET /v1/decisions/{id}; waits up to ``wait`` seconds (at most 60) for a settle."""
        wait = max(0, min(int(wait), 60))
        path = "/v1/decisions/" + urllib.parse.quote(decision_id, safe="")
        if wait:
            path += f"?wait={wait}s"
        return self._call("GET", path, timeout=self.timeout + wait)[0]

    def report(self, decision_id: str, status: str, tokens_used: Optional[int] = None) -> None:
        """POST /v1/outcomes, retried; a report that never arrives leaves the action in doubt."""
        body: Dict[str, Any] = {"decision_id": decision_id, "status": status}
        if tokens_used is not None:
            body["tokens_used"] = tokens_used
        for attempt in range(self.retries + 1):
            try:
                self._call("POST", "/v1/outcomes", body)
                return
            except _Unreachable as error:
                log.warning("veto: outcome not reported (attempt %d): %s", attempt + 1, error)
                time.sleep(min(0.2 * 2 ** attempt, 2.0))
        log.error("veto: outcome %s of %s never reached Veto; it stays in doubt",
                  status, decision_id)

    # ---- the guarded protocol -----------------------------------------------------------

    @contextlib.contextmanager
    def task(self, task_id: str) -> Iterator[None]:
        """Guarded calls inside this block belong to ``task_id``."""
        token = _current_task.set(task_id)
        try:
            yield
        finally:
            _current_task.reset(token)

    @contextlib.contextmanager
    def action(self, tool: str, args: Optional[Dict[str, Any]] = None, *,
               task_id: TaskId = None, key: Optional[str] = None, read_only: bool = False,
               run_in_doubt: bool = False, step: Optional[int] = None) -> Iterator["Action"]:
        """Runs the block only if Veto allows; reports how it went.

        ``with veto.action("refund", {"amount": 5}) as act: do_refund()``
        """
        act = self._begin(tool, args, task_id, key, read_only, run_in_doubt, step)
        try:
            yield act
        except BaseException as error:
            self._finish(act, error)
            raise
        self._finish(act, None)

    def _begin(self, tool: str, args: Optional[Dict[str, Any]], task_id: TaskId,
               key: Optional[str], read_only: bool, run_in_doubt: bool,
               step: Optional[int]) -> "Action":
        """Everything before the tool runs: an allowed Action, or an exception."""
        args = dict(args or {})
        task = self._task(task_id)
        act = Action(tool, args, task, key or derive_key(task, tool, args))
        try:
            act.decision = self._clear(act, read_only, run_in_doubt, step)
        except _Unreachable as error:
            if read_only and self.fail_open_reads:
                log.warning("veto unreachable; running read-only %s unguarded: %s", tool, error)
                return act  # no decision: nothing to report afterwards
            raise VetoUnavailable(f"Veto could not be reached, so {tool} is refused: {error}",
                                  [{"rule": "veto.unreachable", "message": str(error)}]) from error
        return act

    def _finish(self, act: "Action", error: Optional[BaseException]) -> None:
        if act.decision is None:
            return
        if error is None:
            status = "succeeded"
        elif isinstance(error, UNCERTAIN_ERRORS):
            status = "unknown"
        else:
            status = "failed"
        self.report(act.decision_id, status, act.tokens_used)

    def guard(self, tool: Optional[str] = None, *, task_id: TaskId = None,
              read_only: bool = False, key: Optional[Callable[..., str]] = None,
              run_in_doubt: bool = False) -> Callable[[F], F]:
        """Decorator: every call of the function goes through ``action``.

        The tool name defaults to the function's name; its arguments (by parameter name)
        are the proposal's ``args``. ``key`` may compute the idempotency key from them.
        """
        def wrap(function: F) -> F:
            name = tool or function.__name__
            signature = inspect.signature(function)

            def arguments(a: Any, kw: Any) -> Dict[str, Any]:
                bound = signature.bind(*a, **kw)
                bound.apply_defaults()
                # A method's receiver is not part of the tool call.
                return {k: v for k, v in bound.arguments.items() if k not in ("self", "cls")}

            if inspect.iscoroutinefunction(function):
                @functools.wraps(function)
                async def guarded_async(*a: Any, **kw: Any) -> Any:
                    # The client blocks on HTTP, so it runs in a worker thread; the tool
                    # itself is awaited on the caller's loop.
                    act = await asyncio.to_thread(
                        self._begin, name, arguments(a, kw), task_id,
                        key(*a, **kw) if key else None, read_only, run_in_doubt, None)
                    try:
                        result = await function(*a, **kw)
                    except BaseException as error:
                        await asyncio.to_thread(self._finish, act, error)
                        raise
                    await asyncio.to_thread(self._finish, act, None)
                    return result
                return guarded_async  # type: ignore[return-value]

            @functools.wraps(function)
            def guarded(*a: Any, **kw: Any) -> Any:
                with self.action(name, arguments(a, kw), task_id=task_id, read_only=read_only,
                                 key=key(*a, **kw) if key else None,
                                 run_in_doubt=run_in_doubt):
                    return function(*a, **kw)
            return guarded  # type: ignore[return-value]
        return wrap

    def _task(self, task_id: TaskId) -> str:
        task = task_id() if callable(task_id) else task_id
        task = task or _current_task.get() or self.task_id
        if not task:
            raise ValueError("no task id: pass task_id=, use `with veto.task(id):` "
                             "or Veto(task_id=...)")
        return task

    def _clear(self, act: "Action", read_only: bool, run_in_doubt: bool,
               step: Optional[int]) -> Dict[str, Any]:
        """Decides, waits for approval when asked, and returns an allow or raises."""
        deadline = time.monotonic() + self.approval_timeout
        while True:
            decision, replayed, ours = self.decide(act.task_id, act.tool, act.args, act.key,
                                                   step=step)
            verdict = decision.get("verdict")
            if verdict == "allow":
                if replayed:
                    self._check_replay(decision, ours or run_in_doubt)
                return decision
            held = decision.get("approval") or decision.get("queue")
            if verdict == "refuse" and "queue" not in decision or not held:
                raise Refused(_summary(act.tool, decision), decision.get("reasons", []),
                              decision)
            # require_approval (or queued): wait, bounded, then propose again with the same
            # key; Veto answers allow once if approved, refuse if denied or expired.
            if not self._await_settled(decision["decision_id"], deadline):
                raise ApprovalTimeout(
                    f"{act.tool}: no approver answered within {self.approval_timeout:.0f} s "
                    f"(approval {held.get('id')}); call again with the same key to go on "
                    "waiting", decision.get("reasons", []), decision)

    def _await_settled(self, decision_id: str, deadline: float) -> bool:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            view = self.decision(decision_id, wait=min(left, 30))
            held = view.get("approval") or view.get("queue") or {}
            if held.get("status") not in ("pending", "queued"):
                return True

    def _check_replay(self, decision: Dict[str, Any], may_run: bool) -> None:
        if decision.get("outcome") == "unknown":
            if may_run:
                return  # our own attempt lost its reply: the tool cannot have run yet
            raise InDoubt(f"{decision.get('decision_id')}: allowed before and its outcome is "
                          "unknown; check whether it took effect", decision)
        view = self.decision(decision["decision_id"])
        raise AlreadyDone(f"{decision['decision_id']} already ran under this key "
                          f"(outcome: {view.get('outcome')}); use a new key to run it again",
                          view.get("outcome"), decision)


class Action:
    """One guarded call: its key and, once allowed, its decision."""

    def __init__(self, tool: str, args: Dict[str, Any], task_id: str, key: str) -> None:
        self.tool = tool
        self.args = args
        self.task_id = task_id
        self.key = key
        self.decision: Optional[Dict[str, Any]] = None
        self.tokens_used: Optional[int] = None

    @property
    def decision_id(self) -> str:
        return self.decision["decision_id"] if self.decision else ""


def _summary(tool: str, decision: Dict[str, Any]) -> str:
    reasons = decision.get("reasons", [])
    first = reasons[0]["message"] if reasons else "no reason given"
    return f"{tool} refused by Veto: {first}"


def _json_or_empty(raw: bytes) -> Dict[str, Any]:
    try:
        value = json.loads(raw)
        return value if isinstance(value, dict) else {}
    except ValueError:
        return {}


__all__ = ["Veto", "Action", "derive_key", "VetoError", "Refused", "ApprovalTimeout",
           "VetoUnavailable", "InDoubt", "AlreadyDone", "ApiError"]
