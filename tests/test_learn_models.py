"""sciml.learn's networks and losses: shapes, dtype/device/generator contracts, the VAE loss against torch.distributions
and an explicit Bernoulli likelihood, gradcheck in float64; scores against scikit-learn; the pictures."""

import matplotlib
import pytest
import torch
import torch.nn.functional as F

from sciml.learn import (
    CNN,
    MLP,
    VAE,
    Autoencoder,
    History,
    LinearSVM,
    ResNet,
    SequenceClassifier,
    VAEOutput,
    accuracy,
    confusion_matrix,
    init_parameters,
    moons,
    per_class_accuracy,
    plot_confusion_matrix,
    plot_decision_boundary,
    plot_history,
    plot_images,
    plot_latent,
    reconstruction_loss,
    vae_loss,
)

matplotlib.use("Agg")


@pytest.mark.parametrize(("net", "x", "out"), [
    (lambda **k: MLP(784, 10, **k), torch.rand(3, 1, 28, 28), (3, 10)),
    (lambda **k: CNN(1, 10, image_size=28, channels=(4, 8, 8), hidden=16, **k), torch.rand(3, 1, 28, 28), (3, 10)),
    (lambda **k: CNN(3, 5, image_size=32, channels=(4, 4, 4), hidden=8, batch_norm=True, **k),
     torch.rand(3, 3, 32, 32), (3, 5)),
    (lambda **k: ResNet(3, 10, channels=(4, 8, 16), blocks=2, **k), torch.rand(3, 3, 32, 32), (3, 10)),
    (lambda **k: SequenceClassifier(30, 4, embedding_dim=5, hidden_size=6, num_layers=2, **k),
     torch.randint(0, 30, (3, 9)), (3, 4)),
    (lambda **k: Autoencoder((1, 8, 8), latent=3, hidden=(10,), **k), torch.rand(3, 1, 8, 8), (3, 1, 8, 8)),
])
def test_shapes_dtypes_and_seeded_initialization(net, x, out):
    a = net(generator=torch.Generator().manual_seed(0))
    b = net(generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert a(x).shape == out
    assert all(p.dtype == torch.float32 for p in a.parameters())
    assert all(p.dtype == torch.float64 for p in b.parameters())
    for p, q in zip(a.parameters(), b.parameters(), strict=True):  # the same draws, in either dtype
        torch.testing.assert_close(p.double(), q, rtol=0, atol=1e-7)
    assert b(x if not x.is_floating_point() else x.double()).dtype == torch.float64


def test_init_follows_torchs_default_bounds():
    layer = init_parameters(torch.nn.Linear(400, 50), torch.Generator().manual_seed(0))
    bound, w = 1 / 400 ** 0.5, layer.weight.detach().abs()
    assert float(w.max()) <= bound and float(w.max()) > 0.95 * bound
    assert float(layer.bias.detach().abs().max()) <= bound
    with pytest.raises(TypeError, match=r"torch\.Generator"):
        init_parameters(layer, 3)


def test_bad_network_arguments_are_named():
    with pytest.raises(ValueError, match="hidden\\[1\\] must be a positive integer"):
        MLP(2, 2, hidden=(4, 0))
    with pytest.raises(ValueError, match="activation must be one of"):
        MLP(2, 2, activation="relu6")
    with pytest.raises(ValueError, match="three widths"):
        CNN(channels=(4, 8))
    with pytest.raises(TypeError, match="float16"):
        MLP(2, 2, dtype=torch.float16)


def test_reconstruction_loss_is_the_bernoulli_nll():
    g = torch.Generator().manual_seed(0)
    logits, x = torch.randn(4, 1, 3, 3, generator=g, dtype=torch.float64), torch.rand(4, 1, 3, 3, generator=g,
                                                                                    dtype=torch.float64)
    p = torch.sigmoid(logits)
    explicit = -(x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum() / 4
    torch.testing.assert_close(reconstruction_loss(logits, x), explicit, rtol=1e-12, atol=0)


def test_vae_loss_kl_is_torch_distributions():
    g = torch.Generator().manual_seed(1)
    mean, log_var = torch.randn(5, 3, generator=g, dtype=torch.float64), torch.randn(5, 3, generator=g,
                                                                                   dtype=torch.float64)
    logits, x = torch.randn(5, 4, generator=g, dtype=torch.float64), torch.rand(5, 4, generator=g, dtype=torch.float64)
    q = torch.distributions.Normal(mean, torch.exp(0.5 * log_var))
    kl = torch.distributions.kl_divergence(q, torch.distributions.Normal(0.0, 1.0)).sum() / 5
    torch.testing.assert_close(vae_loss(VAEOutput(logits, mean, log_var), x), reconstruction_loss(logits, x) + kl,
                               rtol=1e-12, atol=0)


def test_vae_loss_gradcheck():
    g = torch.Generator().manual_seed(2)
    args = [torch.randn(2, 4, generator=g, dtype=torch.float64, requires_grad=True) for _ in range(3)]
    args[1] = torch.randn(2, 2, generator=g, dtype=torch.float64, requires_grad=True)
    args[2] = torch.randn(2, 2, generator=g, dtype=torch.float64, requires_grad=True)
    x = torch.rand(2, 4, generator=g, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda a, m, v: vae_loss(VAEOutput(a, m, v), x), args)


def test_vae_noise_comes_from_its_generator_and_eval_is_deterministic():
    vae = VAE((1, 8, 8), latent=2, hidden=(8,), generator=torch.Generator().manual_seed(0))
    x = torch.rand(3, 1, 8, 8)
    vae.generator.manual_seed(5)
    a = vae(x).logits
    vae.generator.manual_seed(5)
    assert torch.equal(vae(x).logits, a)
    vae.eval()
    assert torch.equal(vae(x).logits, vae(x).logits)
    s = vae.sample(4, generator=torch.Generator().manual_seed(0))
    assert s.shape == (4, 1, 8, 8) and float(s.min()) >= 0 and float(s.max()) <= 1


def test_scores_match_sklearn():
    from sklearn.metrics import accuracy_score, recall_score
    from sklearn.metrics import confusion_matrix as sk_cm

    g = torch.Generator().manual_seed(0)
    pred, target = torch.randint(0, 4, (200,), generator=g), torch.randint(0, 4, (200,), generator=g)
    assert float(accuracy(pred, target)) == pytest.approx(accuracy_score(target, pred), abs=1e-15)
    assert confusion_matrix(pred, target).tolist() == sk_cm(target, pred).tolist()
    torch.testing.assert_close(per_class_accuracy(pred, target),
                               torch.tensor(recall_score(target, pred, average=None), dtype=torch.float64))
    scores = F.one_hot(pred, 4).double()
    assert float(accuracy(scores, target)) == float(accuracy(pred, target))
    assert confusion_matrix(pred, target, n_classes=6).shape == (6, 6)
    with pytest.raises(ValueError, match="n_classes=2 but the labels go up to 3"):
        confusion_matrix(pred, target, n_classes=2)
    with pytest.raises(TypeError, match="integer tensors"):
        accuracy(torch.rand(5), target[:5])


def test_pictures_return_artists():
    X, y = moons(60, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    svm = LinearSVM().fit(X, y)
    out = plot_decision_boundary(svm, X, y, kind="margin", resolution=20)
    assert out["boundary"] is not None and len(out["points"].get_offsets()) == 60
    net = MLP(2, 3, hidden=(4,), generator=torch.Generator().manual_seed(0))
    out = plot_decision_boundary(net, X.float(), torch.arange(60) % 3, resolution=20)
    assert out["boundary"] is None  # several classes: regions only
    h = History({"loss": [1.0, 0.5], "lr": [0.1, 0.1]}, [1, 2])
    assert [line.get_label() for line in plot_history(h)] == ["loss"]
    image = plot_confusion_matrix(torch.tensor([[3, 1], [0, 2]]), labels=["a", "b"], normalize=True)
    assert image.get_array()[0, 0] == pytest.approx(0.75)
    assert len(plot_images(torch.rand(3, 3, 8, 8), titles=["a", "b", "c"])) == 3
    assert plot_latent(torch.randn(10, 2)).get_offsets().shape == (10, 2)
    with pytest.raises(ValueError, match="\\(n, 2\\) features"):
        plot_decision_boundary(svm, torch.zeros(5, 3))
    with pytest.raises(ValueError, match="C = 1 or 3"):
        plot_images(torch.rand(2, 2, 4, 4))
    import matplotlib.pyplot as plt

    plt.close("all")


def test_sequence_classifier_learns_to_remember_the_first_token():
    # the label is the parity of the first of 6 tokens: the LSTM must carry it to the end of the sequence
    from sciml.learn import train

    g = torch.Generator().manual_seed(0)
    tokens = torch.randint(0, 10, (400, 6), generator=g)
    labels = tokens[:, 0] % 2
    net = SequenceClassifier(10, 2, embedding_dim=8, hidden_size=16, generator=g)
    train(net, "cross_entropy", (tokens[:300], labels[:300]), epochs=12, lr=2e-2, batch_size=64, generator=g)
    assert float(accuracy(net(tokens[300:]), labels[300:])) >= 0.95
