"""GRUCell applies the update gate the wrong way round: hy = (1 - update) * hx + update * new instead of update * hx + (1 - update) * new.

The notebook's cell (NOTEBOOK) is the torch class with the mistake; the class below is its
NumPy stand-in for the grading process, a subclass of reference.py's, whose names it sees.
"""

TARGET = "GRUCell"

NOTEBOOK = """
class GRUCell(nn.Module):
    def __init__(self, input_size, hidden_size, bias=True):
        super(GRUCell, self).__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        ## START OF YOUR CODE - Question 1c) Complete the missing code
        self.x2h = nn.Linear(input_size, 3 * hidden_size, bias=bias)
        self.h2h = nn.Linear(hidden_size, 3 * hidden_size, bias=bias)
        ## END OF YOUR CODE
        self.reset_parameters()

    def reset_parameters(self):
        std = 1.0 / math.sqrt(self.hidden_size)
        for w in self.parameters():
            w.data.uniform_(-std, std)

    def forward(self, input, hx=None):
        if hx is None:
            hx = input.new_zeros(input.size(0), self.hidden_size, requires_grad=False)
        ## START OF YOUR CODE - Question 1d) Complete the missing code
        x_t = self.x2h(input)
        h_t = self.h2h(hx)
        x_reset, x_up, x_new = x_t.chunk(3, 1)
        h_reset, h_up, h_new = h_t.chunk(3, 1)
        reset_gate = torch.sigmoid(x_reset + h_reset)
        update_gate = torch.sigmoid(x_up + h_up)
        new_gate = torch.tanh(x_new + (reset_gate * h_new))
        hy = (1 - update_gate) * hx + update_gate * new_gate
        ## END OF YOUR CODE
        return hy
"""

class GRUCell(GRUCell):
    def forward(self, input, hx=None):
        if hx is None:
            hx = _zeros(input, self.hidden_size)
        x_reset, x_up, x_new = np.split(self.x2h(input), 3, axis=1)
        h_reset, h_up, h_new = np.split(self.h2h(hx), 3, axis=1)
        reset_gate = sigmoid(x_reset + h_reset)
        update_gate = sigmoid(x_up + h_up)
        new_gate = np.tanh(x_new + (reset_gate * h_new))
        return (1 - update_gate) * hx + update_gate * new_gate
