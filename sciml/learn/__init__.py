"""Machine learning on the shared core: data, networks, one trainer, an exact SVM, scores and pictures.

- Data: :func:`moons`, :func:`circles`, :func:`xor`, :func:`spirals`, :func:`digits` (no download);
  :func:`load_mnist`, :func:`load_fashion_mnist`, :func:`load_cifar10` (the original files in a directory);
  :func:`standardize` (and the :class:`Standardize` layer), :func:`train_val_split`, :func:`random_flip`,
  :func:`random_crop`.
- Networks (``torch.nn.Module`` s with ``dtype``, ``device``, ``generator``): :class:`MLP`, :class:`CNN`,
  :class:`ResNet`, :class:`SequenceClassifier`, :class:`Autoencoder`, :class:`VAE`; losses
  :func:`reconstruction_loss` and :func:`vae_loss` (nats per image, from logits).
- :func:`train` — the one trainer (on :mod:`sciml.training`): metrics, :class:`History`, early stopping with
  the best weights restored, schedulers, clipping, atomic checkpoints with bit-identical resume, the NaN guard;
  :func:`evaluate`.
- :class:`Recipe` — tested settings of :func:`train` (Adam under a one-cycle rate); :data:`MNIST_MLP` with
  :func:`mnist_mlp` is the MNIST classifier's (784-128-128-10, 5 epochs).
- :class:`Classifier` — a scikit-learn-style face (``fit``/``predict``/``predict_proba``/``score``).
- :class:`LinearSVM` — the hinge-loss SVM solved to its optimum (or by SGD, as in the seeds).
- Scores: :func:`accuracy`, :func:`per_class_accuracy`, :func:`confusion_matrix`; pictures (``ax=None`` in,
  artists out): :func:`plot_decision_boundary`, :func:`plot_history`, :func:`plot_confusion_matrix`,
  :func:`plot_images`, :func:`plot_latent`.
"""

from sciml.learn._classifier import Classifier
from sciml.learn._evaluate import LOSSES, evaluate
from sciml.learn._files import load_cifar10, load_fashion_mnist, load_mnist
from sciml.learn._generative import VAE, Autoencoder, VAEOutput, reconstruction_loss, vae_loss
from sciml.learn._history import History, TrainResult, TrainStatus, TrainWarning
from sciml.learn._metrics import accuracy, confusion_matrix, per_class_accuracy
from sciml.learn._networks import CNN, MLP, ResNet, SequenceClassifier, init_parameters
from sciml.learn._plotting import plot_confusion_matrix, plot_decision_boundary, plot_history, plot_images, plot_latent
from sciml.learn._recipes import MNIST_MEAN, MNIST_MLP, MNIST_STD, Recipe, mnist_mlp
from sciml.learn._svm import LinearSVM, SVMStatus, SVMWarning
from sciml.learn._toy import circles, digits, moons, spirals, xor
from sciml.learn._trainer import train
from sciml.learn._transforms import Standardize, random_crop, random_flip, standardize, train_val_split

__all__ = [
    "CNN", "LOSSES", "MLP", "MNIST_MEAN", "MNIST_MLP", "MNIST_STD", "VAE", "Autoencoder", "Classifier", "History",
    "LinearSVM", "Recipe", "ResNet", "SVMStatus", "SVMWarning", "SequenceClassifier", "Standardize", "TrainResult",
    "TrainStatus", "TrainWarning", "VAEOutput", "accuracy", "circles", "confusion_matrix", "digits", "evaluate",
    "init_parameters", "load_cifar10", "load_fashion_mnist", "load_mnist", "mnist_mlp", "moons", "per_class_accuracy",
    "plot_confusion_matrix", "plot_decision_boundary", "plot_history", "plot_images", "plot_latent", "random_crop",
    "random_flip", "reconstruction_loss", "spirals", "standardize", "train", "train_val_split", "vae_loss", "xor",
]
