"""Quiz attempts: start one, save answers as they come, submit it and grade it at once.

One job per module: :mod:`.deadlines` (the clock's rules), :mod:`.answers` (what a save may
hold), :mod:`.late` (the late policy past a time limit), :mod:`.grading` (answers to a
result), :mod:`.views` (an attempt as it is read), :mod:`.attempts` (start, save, submit,
close), :mod:`.keys` (releasing the keys) and :mod:`.sweeper` (closing what expired).

The rules (``docs/api.md`` says the same for clients):

- **Time.** Every "now" is :func:`app.db.now`, the server's clock; a client's clock counts
  for nothing.
- **Start.** A student has at most one ``open`` attempt per quiz: starting again gives back
  the open one. A new attempt needs the quiz to be open (``opens_at``) and an attempt left:
  the course's ``attempt_limit`` when set, else the quiz's ``[quiz] attempts`` (every
  attempt counts, submitted or open). Its ``deadline_at`` is the start plus the time limit
  (the course's ``time_limit_minutes`` when set, ``0`` meaning none, else the quiz's).
- **Save** (``PUT .../answers``) merges: each question given replaces that question's
  answer, ``null`` clears it, questions not given keep theirs. Each save is committed before
  it is answered, so a dropped connection loses at most the save in flight. Answers are kept
  exactly as given (strings as typed, lists as sent); only their shape is checked here
  (known question ids, strings, sizes), and what they mean is the grader's business.
- **Late.** An attempt's deadline is the earlier of its ``deadline_at`` and the course's
  ``due_at``. A save that changes an answer after it is kept and marks the attempt late.
  Past ``deadline_at`` an attempt takes answers for ``late_window_minutes`` more; then it is
  *closed*: submitted with what was saved. A save after that is refused (409).
- **Submit** grades the saved answers at once (``graders.quiz.grade_answers``: no kernel, no
  queue) and records the result as a :class:`~app.models.Submission` of kind ``answers``
  with a finished :class:`~app.models.GradingRun` and its test rows, through
  :func:`app.services.results.record.record_result`, in the same transaction that marks the
  attempt submitted: exactly one result per attempt, and submitting twice gives the first back.
- **Closing.** An open attempt past its late window is submitted with what was saved by the
  first request that touches it (reading it, saving to it, starting the quiz again) or by the
  sweep (:func:`.attempts.close_expired`, every ``SWEEP_SECONDS`` in each API process),
  whichever comes first; the outcome is the same either way, since it depends only on what was saved
  and when.
- **Late policy.** Lateness is measured at the moment the answers became final (the last
  change, or the deadline when nothing changed after it), never at the moment a sweep
  happened to close the attempt; that moment is the submission's ``submitted_at``. The
  gradebook applies the course's late policy to lateness past ``due_at``, as for every
  submission; the recorded result carries the rest (started days past the time limit that
  the due date does not already count), so no day is counted twice. The result then says so
  in a ``late`` member: ``{"days", "policy", "score_before", "note"}``.
- **Keys.** No answer key, and no explanation (they give keys away), leaves the service
  before the course's instructor releases the quiz's keys.
"""
