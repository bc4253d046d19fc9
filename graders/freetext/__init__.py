"""Free-text answers, graded by hand against a rubric.

``graders.freetext.groups`` groups alike answers so that an instructor can grade them
together.
"""
