"""Guard an agent's tool calls with Veto. Standard library only."""
from .client import Action, Veto, derive_key
from .errors import (AlreadyDone, ApiError, ApprovalTimeout, InDoubt, Refused, VetoError,
                     VetoUnavailable)

__all__ = ["Veto", "Action", "derive_key", "VetoError", "Refused", "ApprovalTimeout",
           "VetoUnavailable", "InDoubt", "AlreadyDone", "ApiError"]
__version__ = "0.1.0"
