"""Voiceprint heads: a speaker embedding of the recording, classified and blended with the fold votes.

``encoder`` (Resemblyzer's voice encoder in numpy), ``head`` (the logistic regression and its blend),
``storage`` (``voiceprint.json``), ``training`` (``vgr voiceprint``).
"""
