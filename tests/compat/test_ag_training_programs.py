"""Training programs written against autograd's API, run on autograd and on
deltagrad.compat.autograd: a tree-structured MLP trained with ``misc.optimizers.adam``, black-box
variational inference with ``scipy.stats.norm``, and an LSTM's sequence loss. Every loss,
gradient and trained parameter must agree."""

import pytest

pytest.importorskip("autograd")

from _twin import assert_same, run_both  # noqa: E402


def mlp_program(ag, optimizer, step_size):
    """A 3-8-8-1 tanh network (params a list of (W, b) tuples) fitted on minibatches by one of
    ``misc.optimizers``."""
    np = ag.np
    rs = ag.npr.RandomState(0)
    inputs = rs.randn(40, 3)
    targets = np.sin(inputs @ np.array([1.0, -2.0, 0.5]))[:, None]
    sizes = [3, 8, 8, 1]
    init = [(0.4 * rs.randn(m, n), 0.1 * rs.randn(n)) for m, n in zip(sizes[:-1], sizes[1:])]

    def predict(params, x):
        for W, b in params[:-1]:
            x = np.tanh(np.dot(x, W) + b)
        W, b = params[-1]
        return np.dot(x, W) + b

    def objective(params, i):
        batch = slice(10 * (i % 4), 10 * (i % 4 + 1))
        residual = predict(params, inputs[batch]) - targets[batch]
        decay = sum(np.sum(W**2) for W, _ in params)
        return np.mean(residual**2) + 1e-3 * decay

    losses, gradient_norms = [], []

    def callback(params, i, g):
        losses.append(objective(params, i))
        gradient_norms.append(np.sqrt(sum(np.sum(gW**2) + np.sum(gb**2) for gW, gb in g)))

    descend = getattr(ag.optimizers, optimizer)
    trained = descend(
        ag.grad(objective), init, callback=callback, num_iters=40, step_size=step_size
    )
    return {
        "losses": losses,
        "gradient_norms": gradient_norms,
        "trained": trained,
        "gradient": ag.grad(objective)(trained, 0),
        "predictions": predict(trained, inputs),
    }


@pytest.mark.parametrize("optimizer, step_size", [("adam", 0.03), ("sgd", 0.5), ("rmsprop", 0.01)])
def test_mlp_trained_with_misc_optimizers(optimizer, step_size):
    expected, actual = run_both(mlp_program, optimizer, step_size)
    assert expected["losses"][-1] < 0.5 * expected["losses"][0]  # the program does train
    assert_same(actual, expected, rtol=1e-10)


def svi_program(ag):
    """Black-box variational inference for a Bayesian logistic regression: a diagonal Gaussian
    (a dict of mean and log_std), reparameterised samples from a seeded RandomState, adam."""
    np, norm = ag.np, ag.norm
    rs = ag.npr.RandomState(1)
    features = rs.randn(30, 2)
    labels = np.where(features @ np.array([1.5, -1.0]) + 0.3 * rs.randn(30) > 0, 1.0, -1.0)

    def log_joint(w):  # w: (samples, 2)
        log_prior = np.sum(norm.logpdf(w, 0.0, 2.0), axis=1)
        margins = labels * np.dot(w, features.T)
        return log_prior - np.sum(np.logaddexp(0.0, -margins), axis=1)

    def negative_elbo(params, i):
        mean, log_std = params["mean"], params["log_std"]
        noise = ag.npr.RandomState(100 + i).randn(16, 2)
        w = mean + np.exp(log_std) * noise
        log_q = np.sum(norm.logpdf(w, mean, np.exp(log_std)), axis=1)
        return -np.mean(log_joint(w) - log_q)

    elbos = []

    def callback(params, i, g):
        elbos.append(-negative_elbo(params, i))

    init = {"mean": np.zeros(2), "log_std": -np.ones(2)}
    posterior = ag.optimizers.adam(
        ag.grad(negative_elbo), init, callback=callback, num_iters=50, step_size=0.1
    )
    return {"elbos": elbos, "posterior": posterior, "gradient": ag.grad(negative_elbo)(init, 0)}


def test_black_box_svi_with_norm_logpdf():
    expected, actual = run_both(svi_program)
    assert_same(actual, expected, rtol=1e-10)


def test_black_box_svi_numbers():
    """The numbers of the test above (the ELBOs recorded by the callback are Tensors)."""
    expected, actual = run_both(svi_program)
    assert expected["elbos"][-1] > expected["elbos"][0]
    assert_same(actual, expected, rtol=1e-10, allow_tensors=True)


def lstm_program(ag):
    """An LSTM reading one-hot sequences and predicting the next symbol; the gradient of the
    mean cross-entropy (log-softmax by ``logsumexp``) with respect to a dict of weights."""
    np, logsumexp = ag.np, ag.special.logsumexp
    rs = ag.npr.RandomState(2)
    vocab, hidden, steps, batch = 4, 5, 6, 3
    seqs = np.eye(vocab)[rs.randint(vocab, size=(steps, batch))]  # (steps, batch, vocab)
    params = {
        "gates": 0.3 * rs.randn(vocab + hidden + 1, 4 * hidden),
        "out": 0.3 * rs.randn(hidden + 1, vocab),
        "h0": 0.1 * rs.randn(hidden),
    }

    def sigmoid(x):
        return 0.5 * (np.tanh(0.5 * x) + 1.0)

    def cell(params, x, h, c):
        bias = np.ones((x.shape[0], 1))
        z = np.dot(np.concatenate([x, h, bias], axis=1), params["gates"])
        i, f = sigmoid(z[:, :hidden]), sigmoid(z[:, hidden : 2 * hidden])
        o, g = sigmoid(z[:, 2 * hidden : 3 * hidden]), np.tanh(z[:, 3 * hidden :])
        c = f * c + i * g
        return o * np.tanh(c), c

    def sequence_loss(params):
        h = np.tile(params["h0"], (batch, 1))
        c = np.zeros((batch, hidden))
        total = 0.0
        for t in range(steps - 1):
            h, c = cell(params, seqs[t], h, c)
            logits = np.dot(np.hstack([h, np.ones((batch, 1))]), params["out"])
            log_probs = logits - logsumexp(logits, axis=1, keepdims=True)
            total = total - np.sum(log_probs * seqs[t + 1])
        return total / (batch * (steps - 1))

    loss, gradient = ag.value_and_grad(sequence_loss)(params)
    return {"loss": loss, "gradient": gradient}


def test_lstm_sequence_loss_gradient():
    expected, actual = run_both(lstm_program)
    assert_same(actual, expected, rtol=1e-12)
