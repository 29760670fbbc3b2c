"""Weight-sharing search: edge weightings (DARTS, SNAS/Gumbel, uniform one-shot), the search loop,
selection (α magnitude, DARTS-PT perturbation), wiring-evolution cost trajectories and supernet scoring."""
