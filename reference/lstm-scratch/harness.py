"""Adapters between the judge's plain data and the notebook's own objects (lstm-scratch).

The judge calls ``NAME(nb, *inputs)``: inside the sandbox ``nb`` is the student's notebook
(``nb.forward``, ``nb.Parameters``, ``nb.Hidden_Layer_size``), in the trusted process it is the
reference module. Every function here works the same on both and computes nothing of the
assignment itself: it builds the objects the notebook's code expects, calls that code, and
reports what came back as plain data.

Two things keep each graded function judged on its own:

- ``forward`` and the training run get the weights in stand-in objects (``p.W_f.v``...) built
  here, never through the notebook's ``Param``/``Parameters``, and ``Parameters`` is built with
  a stand-in for ``Param``; so a broken ``Param`` costs marks in ``Param`` only.
- The notebook's ``forward`` and ``backward`` read the notebook's size variables
  (``assert x.shape == (X_size, 1)``, ``dz[:Hidden_Layer_size, :]``). They are called through
  copies that see the sizes of the case at hand instead, and so are the notebook's own
  functions they call; the notebook itself is never changed.
"""

import types

import numpy as np

WEIGHTS = ("W_f", "W_i", "W_C", "W_o", "W_v")
BIASES = ("b_f", "b_i", "b_C", "b_o", "b_v")
SIZE_NAMES = ("Hidden_Layer_size", "z_size", "X_size")


# -- helpers ----------------------------------------------------------------------------------


def _seeing(fn, **names):
    """``fn`` as if the notebook's globals ``names`` had these values (a copy of the function).

    Every other plain function of the notebook is copied into the same namespace, so a helper
    of the student's own that ``fn`` calls (one checking shapes against ``X_size``, say) sees
    the same values. Anything that is not a plain function (a callable object, a wrapped
    function) is returned as it is.
    """
    if not isinstance(fn, types.FunctionType):
        return fn
    home = fn.__globals__
    namespace = dict(home)
    namespace.update(names)
    for key, value in home.items():
        if key not in names and isinstance(value, types.FunctionType) and value.__globals__ is home:
            namespace[key] = _rebound(value, namespace)
    return _rebound(fn, namespace)


def _rebound(fn, namespace):
    """``fn`` looking its globals up in ``namespace``."""
    copy = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__kwdefaults__ = fn.__kwdefaults__
    return copy


def _sizes(hidden, x_size):
    return {"Hidden_Layer_size": hidden, "X_size": x_size, "z_size": hidden + x_size}


def _stand_in(weights, gradients=False):
    """An object with ``p.W_f.v``... holding the arrays of ``weights`` (a dict of arrays).

    With ``gradients``, each weight also gets the training loop's ``d`` (gradient) and ``m``
    (Adagrad memory), and its value is a copy, so training leaves the inputs as they were.
    """
    p = types.SimpleNamespace()
    for name, value in weights.items():
        if gradients:
            value = np.array(value, dtype=float)
            weight = types.SimpleNamespace(name=name, v=value, d=0 * value, m=0 * value)
        else:
            weight = types.SimpleNamespace(name=name, v=value)
        setattr(p, name, weight)
    return p


def _recorded(name, value):
    """Stands in for the notebook's ``Param`` while ``Parameters`` is built: keeps the value."""
    return types.SimpleNamespace(name=name, v=value)


# -- Param --------------------------------------------------------------------------------------


def param_attributes(nb, name, value):
    """``Param(name, value)``'s attributes ``name``, ``v``, ``d``, ``m`` (those it has)."""
    param = nb.Param(name, value)
    return {key: getattr(param, key) for key in ("name", "v", "d", "m") if hasattr(param, key)}


# -- Parameters -------------------------------------------------------------------------------


def _built_with_recorded_params(cls):
    """``cls()``, its ``Param(...)`` calls answered by :func:`_recorded`."""
    init = getattr(cls, "__init__", None)
    if not isinstance(init, types.FunctionType):
        return cls()
    instance = cls.__new__(cls)
    _seeing(init, Param=_recorded)(instance)
    return instance


def _size_names(nb):
    """The notebook's sizes, value -> variable name; refuses sizes it cannot tell apart."""
    names = {}
    for name in SIZE_NAMES:
        value = int(getattr(nb, name))
        if value in names:
            raise ValueError(
                f"{names[value]} and {name} are both {value}, so the shapes of the weights "
                "cannot tell them apart; give Hidden_Layer_size another value"
            )
        names[value] = name
    return names


def _dims(param, names):
    """The shape of a parameter's value, each length as the size variable it equals."""
    value = getattr(param, "v", None)
    return [names.get(int(n), str(int(n))) for n in np.shape(value)]


def parameters_shapes(nb):
    """``Parameters()`` of the notebook, as ``weights``, ``biases`` and ``all``.

    ``weights`` and ``biases`` map each attribute to its shape written with the notebook's size
    variables (``["Hidden_Layer_size", "z_size"]``), so the answer is right for any sizes the
    notebook uses; ``all`` lists the attributes whose objects ``all()`` returns.
    """
    names = _size_names(nb)
    p = _built_with_recorded_params(nb.Parameters)
    weights = {n: _dims(getattr(p, n), names) for n in WEIGHTS if hasattr(p, n)}
    biases = {n: _dims(getattr(p, n), names) for n in BIASES if hasattr(p, n)}
    listed = getattr(p, "all", None)
    if callable(listed):
        objects = list(listed())
        listed = [n for n in WEIGHTS + BIASES if any(q is getattr(p, n, None) for q in objects)]
    else:
        listed = None
    return weights, biases, listed


# -- forward --------------------------------------------------------------------------------------


def forward_plain(nb, x, h_prev, C_prev, weights):
    """The notebook's ``forward(x, h_prev, C_prev, p)``, ``p`` holding ``weights``."""
    forward = _seeing(nb.forward, **_sizes(h_prev.shape[0], x.shape[0]))
    return forward(x, h_prev, C_prev, _stand_in(weights))


# -- the training run ---------------------------------------------------------------------------


def _forward_backward(forward, backward, inputs, targets, h_prev, C_prev, p, x_size):
    """The notebook's ``forward_backward``: the summed loss, gradients in ``p.*.d``, clipped."""
    steps, h_s, C_s = {}, {-1: np.copy(h_prev)}, {-1: np.copy(C_prev)}
    loss = 0.0
    for t in range(len(inputs)):
        x = np.zeros((x_size, 1))
        x[inputs[t]] = 1
        steps[t] = forward(x, h_s[t - 1], C_s[t - 1], p)
        C_s[t], h_s[t] = steps[t][4], steps[t][6]
        with np.errstate(divide="ignore"):
            loss += float(-np.log(steps[t][8][targets[t], 0]))
    for weight in vars(p).values():
        weight.d.fill(0)
    dh_next, dC_next = np.zeros_like(h_s[0]), np.zeros_like(C_s[0])
    for t in reversed(range(len(inputs))):
        z, f, i, C_bar, C, o, h, v, y = steps[t]
        dh_next, dC_next = backward(
            target=targets[t],
            dh_next=dh_next,
            dC_next=dC_next,
            C_prev=C_s[t - 1],
            z=z,
            f=f,
            i=i,
            C_bar=C_bar,
            C=C,
            o=o,
            h=h,
            v=v,
            y=y,
            p=p,
        )
    for weight in vars(p).values():
        np.clip(weight.d, -1, 1, out=weight.d)
    last = len(inputs) - 1
    return loss, h_s[last], C_s[last]


def training_loss(nb, text, weights, time_steps, iterations, learning_rate):
    """The notebook's Adagrad training loop on ``text``, from ``weights``: the final smoothed loss.

    Characters are indexed in sorted order; the smoothed loss starts at a uniform guess,
    ``-log(1 / X_size) * time_steps``, and follows ``0.999 * smooth + 0.001 * loss``. Windows of
    ``time_steps`` characters follow one another; state and position restart at the beginning
    and when the next window would run past the end of the text.
    """
    chars = sorted(set(text))
    char_to_idx = {ch: k for k, ch in enumerate(chars)}
    x_size = len(chars)
    hidden = np.shape(weights["b_f"])[0]
    sizes = _sizes(hidden, x_size)
    forward = _seeing(nb.forward, **sizes)
    backward = _seeing(nb.backward, **sizes)
    p = _stand_in(weights, gradients=True)
    smooth_loss = -np.log(1.0 / x_size) * time_steps
    pointer = 0
    h_prev = C_prev = None
    for iteration in range(iterations):
        if pointer + time_steps >= len(text) or iteration == 0:
            h_prev = np.zeros((hidden, 1))
            C_prev = np.zeros((hidden, 1))
            pointer = 0
        inputs = [char_to_idx[ch] for ch in text[pointer : pointer + time_steps]]
        targets = [char_to_idx[ch] for ch in text[pointer + 1 : pointer + time_steps + 1]]
        loss, h_prev, C_prev = _forward_backward(
            forward, backward, inputs, targets, h_prev, C_prev, p, x_size
        )
        smooth_loss = smooth_loss * 0.999 + loss * 0.001
        for weight in vars(p).values():
            weight.m += weight.d * weight.d
            weight.v += -(learning_rate * weight.d / np.sqrt(weight.m + 1e-8))
        pointer += time_steps
    return float(smooth_loss)
