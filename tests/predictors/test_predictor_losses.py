"""The pairwise hinge ranking loss and MSE."""

import pytest
import torch

from cellprobe.predictors.losses import MARGIN, mse_loss, pairwise_hinge_loss


def test_hinge_zero_when_ordered_beyond_margin():
    y = torch.tensor([93.0, 90.0])
    assert pairwise_hinge_loss(torch.tensor([1.0, 1.0 - MARGIN - 0.01]), y).item() == 0.0


@pytest.mark.parametrize("gap", [MARGIN / 2, 0.0, -0.5])
def test_hinge_positive_inside_margin_or_misordered(gap):
    y = torch.tensor([93.0, 90.0])
    loss = pairwise_hinge_loss(torch.tensor([gap, 0.0]), y)
    assert loss.item() == pytest.approx(MARGIN - gap)


def test_hinge_averages_over_ordered_pairs_and_skips_ties():
    scores = torch.tensor([0.0, 0.0, 0.0], requires_grad=True)
    y = torch.tensor([3.0, 2.0, 2.0])  # pairs (0,1), (0,2); (1,2) is a tie
    loss = pairwise_hinge_loss(scores, y)
    assert loss.item() == pytest.approx(MARGIN)
    loss.backward()
    assert scores.grad.tolist() == pytest.approx([-1.0, 0.5, 0.5])
    tie = pairwise_hinge_loss(torch.zeros(2, requires_grad=True), torch.tensor([1.0, 1.0]))
    assert tie.item() == 0.0 and tie.requires_grad


def test_hinge_is_order_invariant_and_checks_shapes():
    scores, y = torch.tensor([0.3, -0.2, 0.1, 0.0]), torch.tensor([1.0, 4.0, 2.0, 3.0])
    perm = torch.tensor([2, 0, 3, 1])
    assert pairwise_hinge_loss(scores, y).item() == pytest.approx(pairwise_hinge_loss(scores[perm], y[perm]).item())
    with pytest.raises(ValueError):
        pairwise_hinge_loss(scores, y[:3])


def test_mse():
    assert mse_loss(torch.tensor([1.0, 3.0]), torch.tensor([1.0, 1.0])).item() == pytest.approx(2.0)
