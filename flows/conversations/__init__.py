"""The conversations: pure dialogs, each a step function over its own typed, frozen state.

``base`` holds what they share (``Step``, ``Context``, the effects); ``registry`` finds a
client's conversation by the name on their row and reads its state. The engine
(``flows.engine``) runs them against storage.
"""
