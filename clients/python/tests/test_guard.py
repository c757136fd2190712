"""The guarded protocol end to end against the real Veto jar (no mocks)."""
from __future__ import annotations

import asyncio
import http.server
import threading
import time
import unittest
import urllib.request

from tests.vetoserver import VetoServer, free_port
from veto_client import (AlreadyDone, ApprovalTimeout, InDoubt, Refused, Veto,
                         VetoUnavailable)

SERVER: VetoServer


def setUpModule() -> None:
    global SERVER
    SERVER = VetoServer().__enter__()


def tearDownModule() -> None:
    SERVER.__exit__(None, None, None)


def approve_when_pending(tool: str, decision: str = "approve") -> threading.Thread:
    """An approver in another thread: settles the first pending approval of ``tool``."""
    alice = SERVER.tokens["alice"]

    def run() -> None:
        for _ in range(200):
            items = SERVER.call("GET", "/v1/approvals?status=pending", alice)["items"]
            mine = [a for a in items if a["tool"] == tool]
            if mine:
                SERVER.call("POST", "/v1/approvals/" + mine[0]["id"], alice,
                            {"decision": decision, "comment": "from the test"})
                return
            time.sleep(0.1)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


class LosingProxy:
    """Forwards to Veto but drops the reply of the first N decide calls (a lost answer)."""

    def __init__(self, target: str, drop: int) -> None:
        self.drop = drop
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._forward()

            def do_POST(self) -> None:
                self._forward()

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                request = urllib.request.Request(target + self.path, data=body or None,
                                                 method=self.command)
                for name in ("authorization", "content-type"):
                    if self.headers.get(name):
                        request.add_header(name, self.headers[name])
                try:
                    with urllib.request.urlopen(request, timeout=70) as r:
                        status, headers, payload = r.status, dict(r.headers), r.read()
                except urllib.error.HTTPError as e:
                    status, headers, payload = e.code, dict(e.headers), e.read()
                if self.path == "/v1/decide" and proxy.drop > 0:
                    proxy.drop -= 1
                    self.close_connection = True  # Veto decided; the agent never hears it
                    return
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() in ("content-type", "idempotent-replayed"):
                        self.send_header(name, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class GuardTest(unittest.TestCase):

    def veto(self, url: str = "", **options: object) -> Veto:
        return Veto(url or SERVER.url, token=SERVER.tokens["agent-1"], agent_id="agent-1",
                    **options)  # type: ignore[arg-type]

    def test_a_read_runs_and_its_outcome_is_recorded(self) -> None:
        veto = self.veto(task_id="t-read")
        calls = []

        @veto.guard()
        def get_user_details(user_id: str) -> dict:
            calls.append(user_id)
            return {"user_id": user_id}

        self.assertEqual(get_user_details("u-1"), {"user_id": "u-1"})
        self.assertEqual(calls, ["u-1"])

    def test_an_approved_transfer_runs_once_after_the_approver_says_yes(self) -> None:
        veto = self.veto(task_id="t-approve", approval_timeout=30)
        runs = []

        @veto.guard()
        def BankManagerTransferFunds(amount: int) -> str:  # noqa: N802 (the tool's name)
            runs.append(amount)
            return "sent"

        approver = approve_when_pending("BankManagerTransferFunds")
        self.assertEqual(BankManagerTransferFunds(5), "sent")
        approver.join(5)
        self.assertEqual(runs, [5])
        # A retry of the same logical call must not run it a second time.
        with self.assertRaises(AlreadyDone) as done:
            BankManagerTransferFunds(5)
        self.assertEqual(done.exception.outcome, "succeeded")
        self.assertEqual(runs, [5])

    def test_a_denied_approval_raises_refused_with_the_reasons(self) -> None:
        veto = self.veto(task_id="t-deny", approval_timeout=30)
        approve_when_pending("delete_account", "deny")
        with self.assertRaises(Refused) as refused:
            with veto.action("delete_account", {"user": "u-9"}):
                self.fail("a denied action must not run")
        self.assertIn("veto.approval_denied", refused.exception.rules)

    def test_an_unanswered_approval_times_out_as_refused(self) -> None:
        veto = self.veto(task_id="t-wait", approval_timeout=1)
        with self.assertRaises(ApprovalTimeout) as waited:
            with veto.action("cancel_reservation", {"id": "R-1"}):
                self.fail("must not run before approval")
        self.assertIn("approval.tier3", waited.exception.rules)

    def test_a_lost_reply_is_retried_under_the_same_key_and_runs_once(self) -> None:
        proxy = LosingProxy(SERVER.url, drop=1)
        self.addCleanup(proxy.close)
        veto = self.veto(proxy.url, task_id="t-lost")
        runs = []
        with veto.action("update_address", {"street": "Main 1"}) as act:
            runs.append(act.decision_id)
        self.assertEqual(len(runs), 1)
        view = SERVER.call("GET", "/v1/decisions/" + runs[0], SERVER.tokens["alice"])
        self.assertEqual(view["outcome"], "succeeded")

    def test_an_approval_whose_allow_reply_was_lost_still_runs_once(self) -> None:
        proxy = LosingProxy(SERVER.url, drop=0)
        self.addCleanup(proxy.close)
        veto = self.veto(proxy.url, task_id="t-lost-approval", approval_timeout=30)
        runs = []

        @veto.guard("BankManagerTransferFunds")
        def transfer(amount: int) -> None:
            runs.append(amount)

        approve_when_pending("BankManagerTransferFunds")
        # The first decide answers require_approval; lose the re-proposal's allow.
        original = veto._await_settled

        def settled_then_lose(*args: object) -> bool:
            result = original(*args)  # type: ignore[arg-type]
            proxy.drop = 1
            return result
        veto._await_settled = settled_then_lose  # type: ignore[method-assign]
        transfer(7)
        self.assertEqual(runs, [7])

    def test_a_crash_after_allow_leaves_the_next_attempt_in_doubt(self) -> None:
        veto = self.veto(task_id="t-doubt")
        decision, _, _ = veto.decide("t-doubt", "update_address", {"s": "x"}, "k-doubt")
        self.assertEqual(decision["verdict"], "allow")
        # The process "crashed" here: no outcome. A new attempt must not run blindly.
        with self.assertRaises(InDoubt):
            with veto.action("update_address", {"s": "x"}, key="k-doubt"):
                self.fail("must not run an action in doubt")

    def test_a_failing_tool_reports_failed_and_a_timeout_reports_unknown(self) -> None:
        veto = self.veto(task_id="t-fail")
        ids = {}
        for error in (ValueError("bad"), TimeoutError("slow")):
            with self.assertRaises(type(error)):
                with veto.action("update_address", {"case": type(error).__name__}) as act:
                    ids[type(error).__name__] = act.decision_id
                    raise error
        alice = SERVER.tokens["alice"]
        self.assertEqual(SERVER.call("GET", "/v1/decisions/" + ids["ValueError"],
                                     alice)["outcome"], "failed")
        self.assertEqual(SERVER.call("GET", "/v1/decisions/" + ids["TimeoutError"],
                                     alice)["outcome"], "unknown")

    def test_unreachable_veto_refuses_unless_reads_may_proceed(self) -> None:
        nowhere = f"http://127.0.0.1:{free_port()}"
        closed = Veto(nowhere, agent_id="a", task_id="t", retries=1, timeout=1)
        with self.assertRaises(VetoUnavailable):
            with closed.action("get_user_details", {"id": 1}, read_only=True):
                self.fail("must not run when Veto is unreachable")
        reads = Veto(nowhere, agent_id="a", task_id="t", retries=0, timeout=1,
                     fail_open_reads=True)
        ran = []
        with reads.action("get_user_details", {"id": 1}, read_only=True):
            ran.append(True)
        self.assertEqual(ran, [True])
        with self.assertRaises(VetoUnavailable):
            with reads.action("BankManagerTransferFunds", {"amount": 1}):
                self.fail("only reads may proceed")

    def test_an_async_tool_is_guarded_and_awaited_on_the_callers_loop(self) -> None:
        veto = self.veto(task_id="t-async", approval_timeout=30)
        runs = []

        class Bank:
            @veto.guard()
            async def BankManagerTransferFunds(self, amount: int) -> str:  # noqa: N802
                await asyncio.sleep(0)
                runs.append(amount)
                return "sent"

        approve_when_pending("BankManagerTransferFunds")
        self.assertEqual(asyncio.run(Bank().BankManagerTransferFunds(9)), "sent")
        self.assertEqual(runs, [9])

    def test_the_task_context_names_the_task(self) -> None:
        veto = self.veto()
        with veto.task("t-context"):
            with veto.action("get_user_details", {"id": 2}) as act:
                pass
        self.assertEqual(act.decision["task_id"], "t-context")


if __name__ == "__main__":
    unittest.main()
