"""Crisis and safeguarding: messages that suggest a risk of harm get the contacts for their kind
of concern at once and an urgent case, whatever else is going on.

``concerns(text)`` says which kinds a message raises (``Concern``); the phrases behind it are
data in ``phrases.toml``, for a clinician to review; ``normalise`` is how text is read first.
"""

from flows.safety.detector import Concern, concerns, suggests_risk
from flows.safety.normalise import normalise

__all__ = ["Concern", "concerns", "normalise", "suggests_risk"]
