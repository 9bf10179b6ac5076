"""sciml.learn's entry points in the fuzz suite (tests/test_bad_input.py): junk ``a``, ``b`` give a named
ValueError/TypeError/LookupError or an honest result, never a crash deep inside torch."""

import torch

from sciml import learn

_X = torch.zeros(6, 2)
_Y = torch.tensor([0, 1, 0, 1, 0, 1])


def _mlp():
    return learn.MLP(2, 2, hidden=(3,), generator=torch.Generator().manual_seed(0))


ENTRY_POINTS = {
    "learn.moons": lambda a, b: learn.moons(a, noise=b),
    "learn.circles": lambda a, b: learn.circles(a, factor=b),
    "learn.xor": lambda a, b: learn.xor(a, noise=b),
    "learn.spirals": lambda a, b: learn.spirals(a, n_classes=b),
    "learn.digits": lambda a, b: learn.digits(dtype=a),
    "learn.load_mnist": lambda a, b: learn.load_mnist(a, train=b),
    "learn.load_cifar10": lambda a, b: learn.load_cifar10(a, train=b),
    "learn.standardize": lambda a, b: learn.standardize(a, dim=0),
    "learn.train_val_split": lambda a, b: learn.train_val_split(a, b, val_fraction=0.5),
    "learn.random_flip": lambda a, b: learn.random_flip(a, p=b),
    "learn.random_crop": lambda a, b: learn.random_crop(a, padding=b),
    "learn.MLP": lambda a, b: learn.MLP(a, b, hidden=(2,)),
    "learn.CNN": lambda a, b: learn.CNN(a, b, image_size=8, channels=(2, 2, 2), hidden=2),
    "learn.VAE": lambda a, b: learn.VAE(a, latent=b, hidden=(2,)),
    "learn.train(data)": lambda a, b: learn.train(_mlp(), "cross_entropy", (a, b), epochs=1),
    "learn.train(options)": lambda a, b: learn.train(_mlp(), "cross_entropy", (_X, _Y), epochs=a, lr=b),
    "learn.train(scheduler_step)": lambda a, b: learn.train(_mlp(), "cross_entropy", (_X, _Y), epochs=1,
                                                            scheduler_step=a),
    "learn.Recipe": lambda a, b: learn.Recipe(epochs=a, batch_size=2, lr=b),
    "learn.Recipe.options": lambda a, b: learn.train(_mlp(), "cross_entropy", (_X, _Y),
                                                     **learn.Recipe(epochs=1, batch_size=4, lr=1e-2).options(a,
                                                                                                            epochs=b)),
    "learn.Standardize": lambda a, b: learn.Standardize(a, b)(_X),
    "learn.mnist_mlp": lambda a, b: learn.mnist_mlp(dtype=a, generator=b),
    "learn.evaluate": lambda a, b: learn.evaluate(_mlp(), "cross_entropy", (a, b)),
    "learn.Classifier.fit": lambda a, b: learn.Classifier(hidden=(2,), epochs=1).fit(a, b),
    "learn.LinearSVM.fit": lambda a, b: learn.LinearSVM().fit(a, b),
    "learn.LinearSVM(C)": lambda a, b: learn.LinearSVM(C=a).fit(_X + torch.arange(6.0)[:, None], _Y),
    "learn.accuracy": lambda a, b: learn.accuracy(a, b),
    "learn.confusion_matrix": lambda a, b: learn.confusion_matrix(a, b, n_classes=3),
    "learn.plot_images": lambda a, b: learn.plot_images(a, ncols=b),
}
WARNINGS = (learn.TrainWarning, learn.SVMWarning)
