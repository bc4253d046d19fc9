# Markwell in one image: the web service (`markwell serve`) and the grading workers
# (`markwell worker`). docker-compose.yml runs both, with PostgreSQL and Redis.
#
# Debian's Python 3.11 with the sandbox's tools: bubblewrap, util-linux (setpriv, prlimit)
# and libseccomp2 (the syscall filter is built with it).
#
# Runs as root: a grader must be root to drop each sandbox to an unprivileged uid of its own,
# build its namespaces, mounts and cgroups. A container that grades (the worker; the api too
# with MARKWELL_QUEUE=embedded) therefore needs more than Docker's defaults:
#   - CAP_SYS_ADMIN: unshare the pid, network, IPC, UTS, cgroup and mount namespaces, mount
#     the sandbox's tmpfs root, binds and /proc, pivot_root;
#   - CAP_NET_ADMIN: bring up the loopback device in the sandbox's network namespace;
#   - CAP_SETUID, CAP_SETGID, CAP_SETPCAP, CAP_KILL, CAP_CHOWN, CAP_FOWNER (Docker's default
#     set): switch to the sandbox's uid, drop the bounding set, kill a slot's leftovers;
#   - no seccomp or AppArmor profile of Docker's in the way (they refuse mount and unshare),
#     /proc not masked (a fresh proc is mounted inside), and a writable cgroup filesystem
#     for the memory and process-count limits (without one, rlimits only; see
#     docs/operations.md).
# `privileged: true` gives all of that; the narrower equivalent is
#   cap_add: [SYS_ADMIN, NET_ADMIN]
#   security_opt: [seccomp=unconfined, apparmor=unconfined, systempaths=unconfined]
# plus a read-write /sys/fs/cgroup. The api with MARKWELL_QUEUE=celery grades nothing and
# needs none of it. `markwell doctor` in the container says what is missing.
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap util-linux libseccomp2 \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MARKWELL_DATA_DIR=/var/lib/markwell

# The code stays in /opt/markwell (an editable install): the built-in assignments
# (reference/) and the migrations are read from beside the packages. None of it is visible
# inside a sandbox, which sees /usr (this Python included) and nothing of /opt.
WORKDIR /opt/markwell
COPY pyproject.toml setup.py README.md ./
COPY graders/ graders/
COPY app/ app/
COPY migrations/ migrations/
COPY reference/ reference/
RUN pip install -e . && markwell assignments

USER root
EXPOSE 8000
VOLUME ["/var/lib/markwell"]
CMD ["markwell", "serve", "--host", "0.0.0.0", "--port", "8000"]
