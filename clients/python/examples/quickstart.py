import os
from veto_client import Veto

veto = Veto(os.environ.get("VETO_URL", "http://127.0.0.1:8181"), token=os.environ["VETO_TOKEN"],
            agent_id="billing-agent", task_id="order-7731")

@veto.guard()
def BankManagerTransferFunds(amount: int, to: str) -> str:
    print(f"sending {amount} to {to}")  # the real tool goes here
    return "sent"

print(BankManagerTransferFunds(5, "ACME Ltd"))  # waits for an approver, then runs once
