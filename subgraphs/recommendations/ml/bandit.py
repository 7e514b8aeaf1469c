"""A contextual bandit choosing the candidate source for each slot of the feed.

Linear Thompson sampling with one Bayesian linear regression per arm (disjoint arms): arm
``a`` keeps ``A_a = λI + Σ x xᵀ`` and ``b_a = Σ r x``; its posterior mean is ``μ_a = A_a⁻¹ b_a``.
To choose, each arm's expected reward for context ``x`` is drawn from its posterior,
``N(xᵀμ_a, v² xᵀA_a⁻¹x)``, and the highest draw wins. Because the draws are univariate normals,
the probability that each arm wins (the *propensity*, logged with the impression for
off-policy evaluation) is estimated cheaply from many joint draws.

The state is plain lists and numbers (``to_state``/``from_state``), JSON-serialisable, and
includes the random generator's state, so a restored bandit continues the same sequence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

STATE_FORMAT = 1
PROPENSITY_DRAWS = 512
MIN_PROPENSITY = 1e-3


class Bandit:
    """Linear Thompson sampling over named arms (created on first use)."""

    def __init__(
        self,
        dimensions: int,
        *,
        prior: float = 1.0,
        exploration: float = 0.5,
        seed: int = 0,
    ) -> None:
        """``dimensions``: context length; ``prior``: ridge λ; ``exploration``: posterior scale."""
        if dimensions < 1:
            raise ValueError("a bandit needs at least one context dimension")
        self.dimensions = dimensions
        self.prior = prior
        self.exploration = exploration
        self._rng = np.random.default_rng(seed)
        self._precision: dict[str, np.ndarray] = {}  # A_a
        self._reward_sum: dict[str, np.ndarray] = {}  # b_a
        self._pulls: dict[str, int] = {}
        # Per arm, A⁻¹ and μ = A⁻¹ b: recomputed after an update, not on every draw.
        self._solved: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    @property
    def arms(self) -> list[str]:
        """Arms seen so far."""
        return sorted(self._precision)

    def pulls(self, arm: str) -> int:
        """How many rewards ``arm`` has been updated with."""
        return self._pulls.get(arm, 0)

    def _arm(self, arm: str) -> tuple[np.ndarray, np.ndarray]:
        if arm not in self._precision:
            self._precision[arm] = self.prior * np.eye(self.dimensions)
            self._reward_sum[arm] = np.zeros(self.dimensions)
            self._pulls[arm] = 0
        return self._precision[arm], self._reward_sum[arm]

    def _vector(self, context: Sequence[float]) -> np.ndarray:
        x = np.asarray(context, dtype=np.float64)
        if x.shape != (self.dimensions,) or not np.all(np.isfinite(x)):
            raise ValueError(f"context must be {self.dimensions} finite numbers")
        return x

    def _solved_arm(self, arm: str) -> tuple[np.ndarray, np.ndarray]:
        """A⁻¹ and μ of ``arm``, computed once per update."""
        solved = self._solved.get(arm)
        if solved is None:
            precision, reward_sum = self._arm(arm)
            covariance = np.linalg.inv(precision)
            solved = self._solved[arm] = (covariance, covariance @ reward_sum)
        return solved

    def _posterior(self, x: np.ndarray, arm: str) -> tuple[float, float]:
        covariance, mu = self._solved_arm(arm)
        mean = float(mu @ x)
        std = self.exploration * float(np.sqrt(max(float(x @ covariance @ x), 0.0)))
        return mean, std

    def posterior(self, context: Sequence[float], arm: str) -> tuple[float, float]:
        """Mean and standard deviation of ``arm``'s expected reward for ``context``."""
        return self._posterior(self._vector(context), arm)

    def choose(self, context: Sequence[float], arms: Sequence[str]) -> tuple[str, float]:
        """Draw an arm for ``context`` among ``arms``; return it and its propensity."""
        if not arms:
            raise ValueError("no arms to choose from")
        x = self._vector(context)
        names = list(dict.fromkeys(arms))
        stats = np.array([self._posterior(x, arm) for arm in names])
        means, stds = stats[:, 0], stats[:, 1]
        draws = self._rng.normal(means, stds, size=(PROPENSITY_DRAWS, len(names)))
        winners = np.argmax(draws, axis=1)
        chosen = int(winners[0])
        share = np.bincount(winners, minlength=len(names)) / PROPENSITY_DRAWS
        return names[chosen], float(max(share[chosen], MIN_PROPENSITY))

    def draws(self, contexts: Sequence[Sequence[float]], arms: Sequence[str]) -> np.ndarray:
        """Posterior draws for several choices at once (the feed's slots): an array
        (contexts × PROPENSITY_DRAWS × arms) for ``pick``; one random call for all of them."""
        names = list(dict.fromkeys(arms))
        x = np.stack([self._vector(context) for context in contexts])
        means = np.empty((len(x), len(names)))
        stds = np.empty((len(x), len(names)))
        for index, arm in enumerate(names):
            covariance, mu = self._solved_arm(arm)
            means[:, index] = x @ mu
            variance = np.einsum("ij,jk,ik->i", x, covariance, x)
            stds[:, index] = self.exploration * np.sqrt(np.clip(variance, 0.0, None))
        noise = self._rng.standard_normal((len(x), PROPENSITY_DRAWS, len(names)))
        drawn: np.ndarray = means[:, None, :] + stds[:, None, :] * noise
        return drawn

    @staticmethod
    def pick(drawn: np.ndarray, available: Sequence[int]) -> tuple[int, float]:
        """The winner among the ``available`` arm indices of one context's ``draws`` and its
        propensity (the share of the draws it wins among those arms)."""
        columns = np.asarray(available)
        winners = np.argmax(drawn[:, columns], axis=1)
        chosen = int(winners[0])
        share = float(np.count_nonzero(winners == chosen)) / drawn.shape[0]
        return int(columns[chosen]), max(share, MIN_PROPENSITY)

    def greedy(self, context: Sequence[float], arms: Sequence[str]) -> str:
        """The arm with the highest posterior mean (no exploration)."""
        names = list(dict.fromkeys(arms))
        means = [self.posterior(context, arm)[0] for arm in names]
        return names[int(np.argmax(means))]

    def update(self, context: Sequence[float], arm: str, reward: float) -> None:
        """Learn that ``arm`` shown in ``context`` earned ``reward`` (0 for no reaction)."""
        x = self._vector(context)
        if not np.isfinite(reward):
            raise ValueError("reward must be finite")
        precision, reward_sum = self._arm(arm)
        precision += np.outer(x, x)
        reward_sum += reward * x
        self._pulls[arm] += 1
        self._solved.pop(arm, None)

    def to_state(self) -> dict[str, Any]:
        """A JSON-serialisable snapshot of the bandit, its arms and its random generator."""
        return {
            "format": STATE_FORMAT,
            "dimensions": self.dimensions,
            "prior": self.prior,
            "exploration": self.exploration,
            "rng": self._rng.bit_generator.state,
            "arms": {
                arm: {
                    "precision": self._precision[arm].tolist(),
                    "reward_sum": self._reward_sum[arm].tolist(),
                    "pulls": self._pulls[arm],
                }
                for arm in self.arms
            },
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Bandit:
        """Restore a bandit from ``to_state``; raises ValueError on a malformed state."""
        try:
            if state["format"] != STATE_FORMAT:
                raise ValueError(f"unknown bandit state format {state['format']!r}")
            bandit = cls(
                int(state["dimensions"]),
                prior=float(state["prior"]),
                exploration=float(state["exploration"]),
            )
            bandit._rng.bit_generator.state = state["rng"]
            shape = (bandit.dimensions, bandit.dimensions)
            for arm, values in state["arms"].items():
                precision = np.asarray(values["precision"], dtype=np.float64)
                reward_sum = np.asarray(values["reward_sum"], dtype=np.float64)
                if precision.shape != shape or reward_sum.shape != (bandit.dimensions,):
                    raise ValueError(f"arm {arm!r} has the wrong shape")
                bandit._precision[str(arm)] = precision
                bandit._reward_sum[str(arm)] = reward_sum
                bandit._pulls[str(arm)] = int(values["pulls"])
        except (KeyError, TypeError) as error:
            raise ValueError(f"malformed bandit state: {error}") from error
        return bandit
