"""BidirRecurrentModel takes the reverse pass's output at the wrong end: outs_rev[-1] (the first frame) instead of outs_rev[0], the reverse pass at the last frame.

The notebook's cell (NOTEBOOK) is the torch class with the mistake; the class below is its
NumPy stand-in for the grading process, a subclass of reference.py's, whose names it sees.
"""

TARGET = "BidirRecurrentModel"

NOTEBOOK = """
class BidirRecurrentModel(nn.Module):
    def __init__(self, mode, input_size, hidden_size, num_layers, bias, output_size):
        super(BidirRecurrentModel, self).__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.output_size = output_size

        self.rnn_cell_list = nn.ModuleList()
        self.rnn_cell_list_rev = nn.ModuleList()

        ## START OF YOUR CODE - Question 2f) Complete the missing code
        # Create code for the following 'mode' values:
        # 'LSTM', 'GRU', 'RNN_TANH' and 'RNN_RELU'
        if mode == 'LSTM':
            self.rnn_cell_list.append(LSTMCell(self.input_size, self.hidden_size, self.bias))
            for l in range(1, self.num_layers):
                self.rnn_cell_list.append(LSTMCell(self.hidden_size, self.hidden_size, self.bias))
            self.rnn_cell_list_rev.append(LSTMCell(self.input_size, self.hidden_size, self.bias))
            for l in range(1, self.num_layers):
                self.rnn_cell_list_rev.append(LSTMCell(self.hidden_size, self.hidden_size, self.bias))
        elif mode == 'GRU':
            self.rnn_cell_list.append(GRUCell(self.input_size, self.hidden_size, self.bias))
            for l in range(1, self.num_layers):
                self.rnn_cell_list.append(GRUCell(self.hidden_size, self.hidden_size, self.bias))
            self.rnn_cell_list_rev.append(GRUCell(self.input_size, self.hidden_size, self.bias))
            for l in range(1, self.num_layers):
                self.rnn_cell_list_rev.append(GRUCell(self.hidden_size, self.hidden_size, self.bias))
        elif mode == 'RNN_TANH':
            self.rnn_cell_list.append(BasicRNNCell(self.input_size, self.hidden_size, self.bias, "tanh"))
            for l in range(1, self.num_layers):
                self.rnn_cell_list.append(BasicRNNCell(self.hidden_size, self.hidden_size, self.bias, "tanh"))
            self.rnn_cell_list_rev.append(BasicRNNCell(self.input_size, self.hidden_size, self.bias, "tanh"))
            for l in range(1, self.num_layers):
                self.rnn_cell_list_rev.append(BasicRNNCell(self.hidden_size, self.hidden_size, self.bias, "tanh"))
        elif mode == 'RNN_RELU':
            self.rnn_cell_list.append(BasicRNNCell(self.input_size, self.hidden_size, self.bias, "relu"))
            for l in range(1, self.num_layers):
                self.rnn_cell_list.append(BasicRNNCell(self.hidden_size, self.hidden_size, self.bias, "relu"))
            self.rnn_cell_list_rev.append(BasicRNNCell(self.input_size, self.hidden_size, self.bias, "relu"))
            for l in range(1, self.num_layers):
                self.rnn_cell_list_rev.append(BasicRNNCell(self.hidden_size, self.hidden_size, self.bias, "relu"))
        else:
            raise ValueError("Invalid RNN mode selected.")

        self.fc = nn.Linear(self.hidden_size * 2, self.output_size)
        ## END OF YOUR CODE

    def forward(self, input_data, hx=None):
        # In this forward pass we want to create our Bidirectional RNN from the rnn cells,
        # .. taking the hidden states from the final RNN layer with their reversed counterparts
        # .. before concatening these and running them through the fully connected layer (fc)

        # The multi-layered RNN should be able to run when the mode is either
        # .. LSTM, GRU, RNN_TANH or RNN_RELU.

        ## START OF YOUR CODE - Question 2g) Complete the missing code
        h0 = [None] * self.num_layers if hx is None else list(hx)
        hT = [None] * self.num_layers if hx is None else list(hx)
        outs = []
        outs_rev = []
        X = list(input_data.permute(1, 0, 2))
        XT = list(reversed(X))
        for j, l in enumerate(self.rnn_cell_list):
            hx_minus_one = h0[j]
            for i in range(input_data.shape[1]):
                hx = l(X[i], hx_minus_one)
                hx_minus_one = hx
                X[i] = hx
                if self.mode == 'LSTM':
                    X[i], _ = hx
        outs = X
        for j, l in enumerate(self.rnn_cell_list_rev):
            hxt_minus_one = hT[j]
            for i in range(input_data.shape[1]):
                hx = l(XT[i], hxt_minus_one)
                hxt_minus_one = hx
                XT[i] = hx
                if self.mode == 'LSTM':
                    XT[i], _ = hx
        outs_rev = XT
        ## END OF YOUR CODE

        out = outs[-1]  # (batch, hidden): the forward pass at the last frame
        out_rev = outs_rev[-1]  # the reverse pass at the last frame (its first step)
        out = torch.cat((out, out_rev), 1)

        out = self.fc(out)
        return out
"""

class BidirRecurrentModel(BidirRecurrentModel):
    def forward(self, input_data, hx=None):
        X = list(np.transpose(input_data, (1, 0, 2)))
        XT = list(reversed(X))
        outs = run_layers(self.mode, self.rnn_cell_list, X, [None] * self.num_layers)
        outs_rev = run_layers(self.mode, self.rnn_cell_list_rev, XT, [None] * self.num_layers)
        out = np.concatenate((outs[-1], outs_rev[-1]), axis=1)
        return self.fc(out).astype(np.float32)
