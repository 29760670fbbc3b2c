"""Weight-sharing search: edge weightings (DARTS, SNAS/Gumbel, uniform one-shot), the search loop,
selection (α magnitude, DARTS-PT perturbation), wiring-evolution cost trajectories and supernet scoring;
the ENAS LSTM controller trained by REINFORCE against the supernet (:mod:`cellprobe.search.controller`)."""
