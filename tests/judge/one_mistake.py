"""Notebooks with one mistake each, made by editing one line of an assignment's solution.

Each names the mistake the automatic diagnosis should find (the start of its id after
``auto:``). The diagnosis tests grade some of them through the real sandbox, and
``bench/bench_diagnosis.py`` measures the diagnosis on all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from nbformat import NotebookNode

from graders import Assignment, Result, read_notebook


@dataclass(frozen=True)
class OneMistake:
    """The solution with ``old`` replaced by ``new`` in the cell defining ``function``."""

    assignment: str
    label: str
    function: str
    old: str
    new: str
    expect: str
    """How the mistake's id starts after ``auto:`` when the diagnosis names it."""

    def notebook(self, assignment: Assignment) -> NotebookNode:
        notebook = read_notebook(assignment.solution)
        cells = [c for c in notebook.cells if c.cell_type == "code" and self.old in c.source]
        assert len(cells) == 1 and cells[0].source.count(self.old) == 1, self.label
        assert f"def {self.function}(" in cells[0].source, self.label
        cells[0].source = cells[0].source.replace(self.old, self.new)
        return notebook

    def verdict(self, result: Result) -> str:
        """``named``, ``wrong`` (an automatic mistake other than the expected one), ``line``
        (only the line pointed at), ``mutant`` (an instructor's mutant named) or ``silent``."""
        mistakes = {
            t.mistake
            for t in result.tests
            if t.name.split("/")[0] == self.function and t.status == "failed" and t.mistake
        }
        auto = {m for m in mistakes if m.startswith("auto:")}
        if any(
            not m.startswith("auto:line:") and not m.startswith(f"auto:{self.expect}") for m in auto
        ):
            return "wrong"
        if any(m.startswith(f"auto:{self.expect}") for m in auto):
            return "named"
        if auto:
            return "line"
        return "mutant" if mistakes else "silent"


RNN = "rnn-numpy"
LSTM = "lstm-scratch"

ONE_MISTAKES = (
    # rnn-numpy
    OneMistake(
        RNN,
        "forget gate through tanh",
        "lstm_cell_forward",
        "ft = sigmoid(Wf.dot(concat) + bf)",
        "ft = np.tanh(Wf.dot(concat) + bf)",
        "activation:ft:sigmoid->tanh",
    ),
    OneMistake(
        RNN,
        "cell without the candidate",
        "lstm_cell_forward",
        "c_next = ft * c_prev + it * cct",
        "c_next = ft * c_prev + it",
        "drop-factor:c_next:-cct",
    ),
    OneMistake(
        RNN,
        "output gate with Wf",
        "lstm_cell_forward",
        "ot = sigmoid(Wo.dot(concat) + bo)",
        "ot = sigmoid(Wf.dot(concat) + bo)",
        "name:ot:Wo->Wf",
    ),
    OneMistake(
        RNN,
        "output gate without its bias",
        "lstm_cell_forward",
        "ot = sigmoid(Wo.dot(concat) + bo)",
        "ot = sigmoid(Wo.dot(concat))",
        "drop-term:ot:-bo",
    ),
    OneMistake(
        RNN,
        "cache with a_prev and c_prev swapped",
        "lstm_cell_forward",
        "cache = (a_next, c_next, a_prev, c_prev,",
        "cache = (a_next, c_next, c_prev, a_prev,",
        "order:cache:a_prev<->c_prev",
    ),
    OneMistake(
        RNN,
        "RNN cell subtracts its bias",
        "rnn_cell_forward",
        "Waa.dot(a_prev) + ba)",
        "Waa.dot(a_prev) - ba)",
        "sign:a_next:",
    ),
    OneMistake(
        RNN,
        "da_prev with Waa not transposed",
        "rnn_cell_backward",
        "da_prev = np.dot(Waa.T, da_next * dtanh)",
        "da_prev = np.dot(Waa, da_next * dtanh)",
        "transpose:da_prev:Waa.T->Waa",
    ),
    OneMistake(
        RNN,
        "dbc summed over the wrong axis",
        "gru_cell_backward",
        "dbc = np.sum(dcc, axis=1)",
        "dbc = np.sum(dcc, axis=0)",
        "axis:dbc:",
    ),
    OneMistake(
        RNN,
        "GRU keeps (1 + ut) of the old state",
        "gru_cell_forward",
        "c_next = ut * cct + (1 - ut) * c_prev",
        "c_next = ut * cct + (1 + ut) * c_prev",
        "sign:c_next:",
    ),
    OneMistake(
        RNN,
        "RNN reads the previous input",
        "rnn_forward",
        "rnn_cell_forward(x[:, :, t], a_next, parameters)",
        "rnn_cell_forward(x[:, :, t - 1], a_next, parameters)",
        "step:rnn_cell_forward(...):t->t-1",
    ),
    OneMistake(
        RNN,
        "LSTM stores a_next as the memory",
        "lstm_forward",
        "y[:, :, t] = yt\n        c[:, :, t] = c_next",
        "y[:, :, t] = yt\n        c[:, :, t] = a_next",
        "name:c:c_next->a_next",
    ),
    OneMistake(
        RNN,
        "GRU candidate through sigmoid",
        "gru_cell_forward",
        "cct = np.tanh(Wc.dot(np.concatenate(",
        "cct = sigmoid(Wc.dot(np.concatenate(",
        "activation:cct:np.tanh->sigmoid",
    ),
    # lstm-scratch
    OneMistake(
        LSTM,
        "forget gate through tanh",
        "forward",
        "f = sigmoid(np.dot(p.W_f.v, z) + p.b_f.v)",
        "f = tanh(np.dot(p.W_f.v, z) + p.b_f.v)",
        "activation:f:sigmoid->tanh",
    ),
    OneMistake(
        LSTM,
        "cell without the candidate",
        "forward",
        "C = f * C_prev + i * C_bar",
        "C = f * C_prev + i",
        "drop-factor:C:-C_bar",
    ),
    OneMistake(
        LSTM,
        "logits from C, not h",
        "forward",
        "v = np.dot(p.W_v.v, h) + p.b_v.v",
        "v = np.dot(p.W_v.v, C) + p.b_v.v",
        "name:v:h->C",
    ),
    OneMistake(
        LSTM,
        "output gate with W_f",
        "forward",
        "o = sigmoid(np.dot(p.W_o.v, z) + p.b_o.v)",
        "o = sigmoid(np.dot(p.W_f.v, z) + p.b_o.v)",
        "name:o:p.W_o.v->p.W_f.v",
    ),
    OneMistake(
        LSTM,
        "output gate without its bias",
        "forward",
        "o = sigmoid(np.dot(p.W_o.v, z) + p.b_o.v)",
        "o = sigmoid(np.dot(p.W_o.v, z))",
        "drop-term:o:-p.b_o.v",
    ),
    OneMistake(
        LSTM,
        "tanh as 2 sigmoid(x) - 1",
        "tanh",
        "t = np.tanh(x)",
        "t = 2 * sigmoid(x) - 1",
        "activation::np.tanh->2 * sigmoid(x) - 1",
    ),
    OneMistake(
        LSTM,
        "cell subtracts the candidate",
        "forward",
        "C = f * C_prev + i * C_bar",
        "C = f * C_prev - i * C_bar",
        "sign:C:",
    ),
    OneMistake(
        LSTM,
        "input gate with W_C",
        "forward",
        "i = sigmoid(np.dot(p.W_i.v, z) + p.b_i.v)",
        "i = sigmoid(np.dot(p.W_C.v, z) + p.b_i.v)",
        "name:i:p.W_i.v->p.W_C.v",
    ),
    OneMistake(
        LSTM,
        "hidden state from C_prev",
        "forward",
        "h = o * tanh(C)",
        "h = o * tanh(C_prev)",
        "name:h:C->C_prev",
    ),
    OneMistake(
        LSTM, "dsigmoid with 1 + y", "dsigmoid", "d = y * (1 - y)", "d = y * (1 + y)", "sign::"
    ),
    OneMistake(
        LSTM, "dtanh without the 1", "dtanh", "d = 1 - y * y", "d = -y * y", "drop-term::-1"
    ),
    OneMistake(
        LSTM,
        "sigmoid without the minus",
        "sigmoid",
        "s = 1 / (1 + np.exp(-x))",
        "s = 1 / (1 + np.exp(x))",
        "sign::-x->x",
    ),
)
