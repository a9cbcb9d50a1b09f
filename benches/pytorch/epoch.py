"""Times the section's PyTorch code on this machine, for the comparison in
the README's "Speed beside PyTorch" (the Rust side is `cargo bench --features bench-internals --bench epoch`).

    python3 -m venv /tmp/torch-venv
    /tmp/torch-venv/bin/pip install torch==2.15.0
    /tmp/torch-venv/bin/python benches/pytorch/epoch.py

Same work as the crate's bench: the first 10,000 characters of the lyrics,
hidden size 256, 35 steps, batch 32; from scratch with SGD (lr 100, clipping
0.01) under random and consecutive sampling, the book's GRU and LSTM from
scratch (consecutive sampling, SGD), then nn.RNN / nn.GRU / nn.LSTM with
Adam (lr 0.001, clipping 0.01, consecutive sampling). Each figure is the
median of 10 epochs after a first, warm-up epoch. The corpus is read from
$D2L_RNN_DATA or data/, as the crate does.
"""
import math
import os
import pathlib
import random
import statistics
import sys
import time
import zipfile

import torch
from torch import nn
import torch.nn.functional as F

HIDDEN, STEPS, BATCH, EPOCHS = 256, 35, 32, 11
ROOT = pathlib.Path(__file__).resolve().parents[2]


def load_corpus():
    folders = [ROOT / "data"]
    if os.environ.get("D2L_RNN_DATA"):
        folders.insert(0, pathlib.Path(os.environ["D2L_RNN_DATA"]))
    for folder in folders:
        path = folder / "jaychou_lyrics.txt.zip"
        if path.exists():
            with zipfile.ZipFile(path) as z:
                text = z.read("jaychou_lyrics.txt").decode("utf-8")
            text = text.replace("\n", " ").replace("\r", " ")[:10000]
            chars = sorted(set(text))
            index = {c: i for i, c in enumerate(chars)}
            return [index[c] for c in text], len(chars), index
    sys.exit("jaychou_lyrics.txt.zip is in neither $D2L_RNN_DATA nor data/")


def batches_random(corpus, rng):
    """Random sampling: independent windows, shuffled."""
    count = (len(corpus) - 1) // STEPS
    starts = [i * STEPS for i in range(count)]
    rng.shuffle(starts)
    for b in range(count // BATCH):
        chosen = starts[b * BATCH:(b + 1) * BATCH]
        x = torch.tensor([corpus[s:s + STEPS] for s in chosen])
        y = torch.tensor([corpus[s + 1:s + STEPS + 1] for s in chosen])
        yield x, y


def batches_consecutive(corpus):
    """Consecutive sampling: BATCH parallel streams cut into windows."""
    data = torch.tensor(corpus)
    length = len(data) // BATCH
    rows = data[:BATCH * length].view(BATCH, length)
    for w in range((length - 1) // STEPS):
        i = w * STEPS
        yield rows[:, i:i + STEPS], rows[:, i + 1:i + STEPS + 1]


def clip(params, theta):
    norm = torch.sqrt(sum((p.grad ** 2).sum() for p in params))
    if norm > theta:
        for p in params:
            p.grad.mul_(theta / norm)


def rnn_step(x, h, p):
    """The section's RNN on one step; `x` is one-hot."""
    ((w_xh, w_hh, b_h),) = p
    return torch.tanh(x @ w_xh + h @ w_hh + b_h)


def gru_step(x, h, p):
    """The book's GRU (section 6.7) on one step."""
    (w_xz, w_hz, b_z), (w_xr, w_hr, b_r), (w_xh, w_hh, b_h) = p
    z = torch.sigmoid(x @ w_xz + h @ w_hz + b_z)
    r = torch.sigmoid(x @ w_xr + h @ w_hr + b_r)
    h_tilda = torch.tanh(x @ w_xh + (r * h) @ w_hh + b_h)
    return z * h + (1 - z) * h_tilda


def lstm_step(x, state, p):
    """The book's LSTM (section 6.8) on one step; `state` is (H, C)."""
    (w_xi, w_hi, b_i), (w_xf, w_hf, b_f), (w_xo, w_ho, b_o), (w_xc, w_hc, b_c) = p
    h, c = state
    i = torch.sigmoid(x @ w_xi + h @ w_hi + b_i)
    f = torch.sigmoid(x @ w_xf + h @ w_hf + b_f)
    o = torch.sigmoid(x @ w_xo + h @ w_ho + b_o)
    c = f * c + i * torch.tanh(x @ w_xc + h @ w_hc + b_c)
    return o * torch.tanh(c), c


STEP = {1: rnn_step, 3: gru_step, 4: lstm_step}


def scratch_epoch_times(corpus, vocab, gates, random_sampling):
    """A from-scratch model with autograd: the RNN (1 gate), the GRU (3) or
    the LSTM (4); SGD (lr 100, clipping 0.01), random or consecutive sampling,
    as the crate's bench. Returns the epoch times, the parameters and the
    last epoch's perplexity."""
    torch.manual_seed(0)
    rng = random.Random(0)

    def param(*shape):
        return nn.Parameter(torch.randn(shape) * 0.01)

    gate_params = [(param(vocab, HIDDEN), param(HIDDEN, HIDDEN), nn.Parameter(torch.zeros(HIDDEN)))
                   for _ in range(gates)]
    w_hq, b_q = param(HIDDEN, vocab), nn.Parameter(torch.zeros(vocab))
    params = [t for g in gate_params for t in g] + [w_hq, b_q]
    step, lstm = STEP[gates], gates == 4
    zeros = lambda: (torch.zeros(BATCH, HIDDEN), torch.zeros(BATCH, HIDDEN)) if lstm else torch.zeros(BATCH, HIDDEN)
    loss = nn.CrossEntropyLoss()
    times = []
    for _ in range(EPOCHS):
        start = time.perf_counter()
        total, count = 0.0, 0
        state = zeros()
        batches = batches_random(corpus, rng) if random_sampling else batches_consecutive(corpus)
        for x, y in batches:
            if random_sampling:
                state = zeros()
            else:
                state = tuple(s.detach() for s in state) if lstm else state.detach()
            outputs = []
            for t in range(STEPS):
                state = step(F.one_hot(x[:, t], vocab).float(), state, gate_params)
                outputs.append((state[0] if lstm else state) @ w_hq + b_q)
            l = loss(torch.cat(outputs), y.T.flatten())
            for p in params:
                p.grad = None
            l.backward()
            clip(params, 0.01)
            with torch.no_grad():
                for p in params:
                    p -= 100.0 * p.grad
            total, count = total + l.item() * y.numel(), count + y.numel()
        times.append(time.perf_counter() - start)
    return times, params, math.exp(total / count)


class RNNModel(nn.Module):
    def __init__(self, layer, vocab):
        super().__init__()
        self.rnn, self.vocab = layer, vocab
        self.dense = nn.Linear(layer.hidden_size, vocab)

    def forward(self, x, state):
        one_hot = F.one_hot(x.T, self.vocab).float()  # (steps, batch, vocab)
        hiddens, state = self.rnn(one_hot, state)
        return self.dense(hiddens.reshape(-1, hiddens.shape[-1])), state


def concise_epoch_times(corpus, vocab, layer_type):
    torch.manual_seed(0)
    model = RNNModel(layer_type(vocab, HIDDEN), vocab)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss = nn.CrossEntropyLoss()
    params = list(model.parameters())
    times = []
    for _ in range(EPOCHS):
        start = time.perf_counter()
        total, count = 0.0, 0
        state = None
        for x, y in batches_consecutive(corpus):
            if state is not None:
                state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
            output, state = model(x, state)
            l = loss(output, y.T.flatten())
            optimizer.zero_grad()
            l.backward()
            clip(params, 0.01)
            optimizer.step()
            total, count = total + l.item() * y.numel(), count + y.numel()
        times.append(time.perf_counter() - start)
    return times, math.exp(total / count)


def generation_ms(params, index, vocab):
    """The section's predict_rnn: 50 characters after 分开, greedy, one step at a time."""
    w_xh, w_hh, b_h, w_hq, b_q = params
    times = []
    for _ in range(21):
        start = time.perf_counter()
        output, h = [index["分"]], torch.zeros(1, HIDDEN)
        prefix = "分开"
        for t in range(50 + len(prefix) - 1):
            one_hot = F.one_hot(torch.tensor([output[-1]]), vocab).float()
            h = rnn_step(one_hot, h, [(w_xh, w_hh, b_h)])
            y = h @ w_hq + b_q
            output.append(index[prefix[t + 1]] if t < len(prefix) - 1 else int(y.argmax(dim=1).item()))
        times.append(time.perf_counter() - start)
        assert len(output) == 52
    return 1e3 * statistics.median(times)


def main():
    corpus, vocab, index = load_corpus()
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"CPU capability {torch.backends.cpu.get_cpu_capability()}, vocabulary {vocab}")
    params = None
    for name, random_sampling in (("random", True), ("consecutive", False)):
        times, params, ppl = scratch_epoch_times(corpus, vocab, 1, random_sampling)
        print(f"from-scratch epoch ({name}): {statistics.median(times[1:]):.4f} s "
              f"(perplexity {ppl:.1f} after {EPOCHS} epochs)")
    for name, gates in (("GRU", 3), ("LSTM", 4)):
        times, _, ppl = scratch_epoch_times(corpus, vocab, gates, False)
        print(f"from-scratch {name} epoch: {statistics.median(times[1:]):.4f} s "
              f"(perplexity {ppl:.1f} after {EPOCHS} epochs)")
    for name, layer in (("RNN", nn.RNN), ("GRU", nn.GRU), ("LSTM", nn.LSTM)):
        times, ppl = concise_epoch_times(corpus, vocab, layer)
        print(f"concise {name} epoch: {statistics.median(times[1:]):.4f} s "
              f"(perplexity {ppl:.1f} after {EPOCHS} epochs)")
    print(f"generate 50 characters after 分开: {generation_ms(params, index, vocab):.3f} ms")


if __name__ == "__main__":
    main()
