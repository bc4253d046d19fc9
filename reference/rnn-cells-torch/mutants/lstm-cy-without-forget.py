"""LSTMCell's cy leaves out the forget gate: cy = cx + i_t * g_t instead of cx * f_t + i_t * g_t.

The notebook's cell (NOTEBOOK) is the torch class with the mistake; the class below is its
NumPy stand-in for the grading process, a subclass of reference.py's, whose names it sees.
"""

TARGET = "LSTMCell"

NOTEBOOK = """
class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size, bias=True):
        super(LSTMCell, self).__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        ## START OF YOUR CODE - Question 1a) Complete the missing code
        self.x2h = nn.Linear(input_size, hidden_size * 4, bias=bias)
        self.h2h = nn.Linear(hidden_size, hidden_size * 4, bias=bias)
        ## END OF YOUR CODE
        self.reset_parameters()

    def reset_parameters(self):
        std = 1.0 / math.sqrt(self.hidden_size)
        for w in self.parameters():
            w.data.uniform_(-std, std)

    def forward(self, input, hx=None):
        if hx is None:
            hx = input.new_zeros(input.size(0), self.hidden_size, requires_grad=False)
            hx = (hx, hx)
        hx, cx = hx
        ## START OF YOUR CODE - Question 1b) Complete the missing code
        gates = self.x2h(input) + self.h2h(hx)
        input_g, forget_g, cell_g, output_g = gates.chunk(4, 1)
        # four gates
        i_t = torch.sigmoid(input_g)
        f_t = torch.sigmoid(forget_g)
        g_t = torch.tanh(cell_g)
        o_t = torch.sigmoid(output_g)
        cy = cx + i_t * g_t
        hy = o_t * torch.tanh(cy)
        ## END OF YOUR CODE
        return (hy, cy)
"""

class LSTMCell(LSTMCell):
    def forward(self, input, hx=None):
        if hx is None:
            hx = _zeros(input, self.hidden_size)
            hx = (hx, hx)
        hx, cx = hx
        gates = self.x2h(input) + self.h2h(hx)
        input_g, forget_g, cell_g, output_g = np.split(gates, 4, axis=1)
        cy = cx + sigmoid(input_g) * np.tanh(cell_g)
        return sigmoid(output_g) * np.tanh(cy), cy
