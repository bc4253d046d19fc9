"""The fork server's process: a pre-imported Python that forks each new sandbox.

It runs on the host as root, started by :mod:`graders.sandbox.forkserver` with a minimal
environment as ``python -I <this folder>`` (see ``__main__.py``). Every sandbox it makes is a
copy of this process, so it imports only the standard library, this package and the modules
kernels preload (NumPy, ipykernel), never ``graders``, and it holds no secret: requests carry
paths, a uid and limits, nothing else.

For each request it forks three processes (:mod:`.processes`), doing after the fork what
bubblewrap does for a cold sandbox (the layout comes from the grader, the same one bubblewrap
is given):

* the *outer* process (root, host namespaces) joins the sandbox's cgroups, applies the rlimits,
  unshares the pid, network, IPC, UTS and cgroup namespaces, and reports on the status pipe as
  ``bwrap --json-status-fd`` does: ``{"child-pid": N}`` then ``{"exit-code": N}``;
* the *init* (pid 1 inside) unshares the mount namespace, builds a tmpfs root of read-only
  binds, private tmpfs directories, ``/proc`` and a minimal ``/dev`` (:mod:`.rootfs`), pivots
  into it, brings ``lo`` up, drops every capability, switches to the slot's uid and loads the
  seccomp filter (:mod:`.syscalls`), then reaps until the program ends;
* the *program* (pid 2) starts a new session, takes the sandbox's environment and runs the
  requested script with the already imported modules.

Protocol (:mod:`.server`): fd ``--fd`` is a ``SOCK_SEQPACKET`` socket. The zygote sends
``ready``; then each request is one JSON message carrying two file descriptors (status pipe,
stderr pipe); the reply is ``ok`` with a pidfd of the outer process, or ``error: ...``. End of
file on the socket means the grader is gone: the zygote exits and its sandboxes die with it.
"""
